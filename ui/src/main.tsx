import { render } from 'preact';
import { App } from './app';
import { startLive } from './live';
import './style.css';

const root = document.getElementById('app')!;
root.textContent = '';  // the "Loading" placeholder of index.html
render(<App />, root);
startLive();
