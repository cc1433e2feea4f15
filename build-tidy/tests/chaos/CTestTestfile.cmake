# CMake generated Testfile for 
# Source directory: /work/main/tests/chaos
# Build directory: /work/main/build-tidy/tests/chaos
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-tidy/tests/chaos/chaos_tests[1]_include.cmake")
