# CMake generated Testfile for 
# Source directory: /work/main/web
# Build directory: /work/main/build-tidy/web
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[web_build]=] "/work/main/web/scripts/build")
set_tests_properties([=[web_build]=] PROPERTIES  FIXTURES_SETUP "web_client" LABELS "web" RUN_SERIAL "TRUE" TIMEOUT "300" WORKING_DIRECTORY "/work/main/web" _BACKTRACE_TRIPLES "/work/main/web/CMakeLists.txt;10;add_test;/work/main/web/CMakeLists.txt;0;")
add_test([=[web_unit]=] "/usr/bin/npm" "test")
set_tests_properties([=[web_unit]=] PROPERTIES  FIXTURES_REQUIRED "web_client" LABELS "web;unit" TIMEOUT "120" WORKING_DIRECTORY "/work/main/web" _BACKTRACE_TRIPLES "/work/main/web/CMakeLists.txt;13;add_test;/work/main/web/CMakeLists.txt;0;")
add_test([=[web_e2e]=] "/usr/bin/npm" "run" "test:e2e")
set_tests_properties([=[web_e2e]=] PROPERTIES  ENVIRONMENT "PARLEYD=/work/main/build-tidy/src/server/parleyd" FIXTURES_REQUIRED "web_client" LABELS "web;e2e" RUN_SERIAL "TRUE" TIMEOUT "300" WORKING_DIRECTORY "/work/main/web" _BACKTRACE_TRIPLES "/work/main/web/CMakeLists.txt;17;add_test;/work/main/web/CMakeLists.txt;0;")
