# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-tidy/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-tidy/tests/unit_tests[1]_include.cmake")
include("/work/main/build-tidy/tests/integration_tests[1]_include.cmake")
subdirs("sdk")
subdirs("cli")
subdirs("chaos")
