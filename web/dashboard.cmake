# The web dashboard, bundled at build time and linked into domusd (src/api/dashboard.S).
# npm ci fetches the front-end libraries of web/package-lock.json into <build>/web/node_modules
# (only when package.json or the lock file changed); esbuild then bundles web/src/ into
# <build>/web/dist/{index.html,app.js,app.css} and a .gz of each. No Node.js at run time.
find_program(DOMUS_NODE node)
find_program(DOMUS_NPM npm)
if(NOT DOMUS_NODE OR NOT DOMUS_NPM)
  message(FATAL_ERROR "domusd embeds the web dashboard (web/), whose build needs node and npm: "
                      "run scripts/bootstrap (Debian packages nodejs and npm)")
endif()

set(DOMUS_WEB_SRC ${CMAKE_SOURCE_DIR}/web)
set(DOMUS_WEB_BUILD ${CMAKE_BINARY_DIR}/web)
set(DOMUS_WEB_MODULES ${DOMUS_WEB_BUILD}/node_modules)
set(DOMUS_DASHBOARD_DIR ${DOMUS_WEB_BUILD}/dist)
set(DOMUS_DASHBOARD_FILES)
foreach(f index.html app.js app.css)
  list(APPEND DOMUS_DASHBOARD_FILES ${DOMUS_DASHBOARD_DIR}/${f} ${DOMUS_DASHBOARD_DIR}/${f}.gz)
endforeach()

add_custom_command(
  OUTPUT ${DOMUS_WEB_BUILD}/npm-ci.stamp
  COMMAND ${CMAKE_COMMAND} -E make_directory ${DOMUS_WEB_BUILD}
  COMMAND ${CMAKE_COMMAND} -E copy ${DOMUS_WEB_SRC}/package.json ${DOMUS_WEB_SRC}/package-lock.json
          ${DOMUS_WEB_BUILD}/
  COMMAND ${DOMUS_NPM} ci --no-audit --no-fund --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${DOMUS_WEB_BUILD}/npm-ci.stamp
  WORKING_DIRECTORY ${DOMUS_WEB_BUILD}
  DEPENDS ${DOMUS_WEB_SRC}/package.json ${DOMUS_WEB_SRC}/package-lock.json
  COMMENT "npm ci: the dashboard's libraries (web/package-lock.json)"
  VERBATIM)

file(GLOB DOMUS_WEB_SOURCES CONFIGURE_DEPENDS ${DOMUS_WEB_SRC}/src/*)
add_custom_command(
  OUTPUT ${DOMUS_DASHBOARD_FILES}
  COMMAND ${DOMUS_NODE} ${DOMUS_WEB_SRC}/build.mjs ${DOMUS_WEB_SRC}/src ${DOMUS_DASHBOARD_DIR}
          ${DOMUS_WEB_MODULES}
  DEPENDS ${DOMUS_WEB_BUILD}/npm-ci.stamp ${DOMUS_WEB_SRC}/build.mjs ${DOMUS_WEB_SOURCES}
  COMMENT "esbuild: the dashboard bundle (web/src/)"
  VERBATIM)
add_custom_target(domus_dashboard DEPENDS ${DOMUS_DASHBOARD_FILES})
