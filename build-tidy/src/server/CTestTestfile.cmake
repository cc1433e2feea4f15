# CMake generated Testfile for 
# Source directory: /work/main/src/server
# Build directory: /work/main/build-tidy/src/server
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("core")
subdirs("store")
subdirs("media")
