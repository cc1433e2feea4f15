# CMake generated Testfile for 
# Source directory: /work/main/src/server/core
# Build directory: /work/main/build-tidy/src/server/core
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
