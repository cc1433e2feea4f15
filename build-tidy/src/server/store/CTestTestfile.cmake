# CMake generated Testfile for 
# Source directory: /work/main/src/server/store
# Build directory: /work/main/build-tidy/src/server/store
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
