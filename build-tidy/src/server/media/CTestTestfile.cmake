# CMake generated Testfile for 
# Source directory: /work/main/src/server/media
# Build directory: /work/main/build-tidy/src/server/media
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
