# CMake generated Testfile for 
# Source directory: /work/main/bench
# Build directory: /work/main/build-tidy/bench
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-tidy/bench/bench_client_tests[1]_include.cmake")
add_test([=[bench_compare_smoke]=] "/work/main/bench/tests/compare_smoke.sh" "/work/main/build-tidy/bench/parley-bench" "/work/main/build-tidy/src/server/parleyd")
set_tests_properties([=[bench_compare_smoke]=] PROPERTIES  LABELS "integration" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/bench/CMakeLists.txt;35;add_test;/work/main/bench/CMakeLists.txt;0;")
