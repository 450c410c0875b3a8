# cmake -DUI_DIR=... -DSTAMP=... -DNPM=... -P npm_ci.cmake
# Runs `npm ci` in ui/ only when package-lock.json is newer than the stamp or node_modules
# is missing (or was installed from another lock); touches the stamp only then, so the steps
# after it (vite build) run again only when the dependencies really changed.
set(lock "${UI_DIR}/package-lock.json")
# npm writes this copy of the lock when it installs: missing = node_modules missing or broken.
set(installed "${UI_DIR}/node_modules/.package-lock.json")
set(run FALSE)
if(NOT EXISTS "${installed}" OR NOT EXISTS "${STAMP}")
  set(run TRUE)
elseif("${lock}" IS_NEWER_THAN "${STAMP}")
  set(run TRUE)
endif()
if(run)
  message(STATUS "ui: npm ci (${UI_DIR})")
  execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
                  WORKING_DIRECTORY "${UI_DIR}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ui: npm ci failed (${rc}): is the npm registry reachable? "
                        "Configure with -DNINEVOLT_UI=OFF to build without the web UI.")
  endif()
  file(TOUCH "${STAMP}")
endif()
