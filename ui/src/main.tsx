import { render } from 'preact';
import { App } from './app';
import { startLive } from './live';
import './style.css';

render(<App />, document.getElementById('app')!);
startLive();
