// The translation unit that builds a precompiled header (cmake/Precompiled.cmake).
