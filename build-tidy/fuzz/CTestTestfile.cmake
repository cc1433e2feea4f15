# CMake generated Testfile for 
# Source directory: /work/main/fuzz
# Build directory: /work/main/build-tidy/fuzz
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[fuzz_codec_corpus]=] "/work/main/build-tidy/fuzz/codec_replay" "/work/main/fuzz/corpus/codec")
set_tests_properties([=[fuzz_codec_corpus]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;8;add_test;/work/main/fuzz/CMakeLists.txt;18;parley_fuzzer;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[fuzz_message_rules_corpus]=] "/work/main/build-tidy/fuzz/message_rules_replay" "/work/main/fuzz/corpus/message_rules")
set_tests_properties([=[fuzz_message_rules_corpus]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;8;add_test;/work/main/fuzz/CMakeLists.txt;19;parley_fuzzer;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[fuzz_media_fields_corpus]=] "/work/main/build-tidy/fuzz/media_fields_replay" "/work/main/fuzz/corpus/media_fields")
set_tests_properties([=[fuzz_media_fields_corpus]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;8;add_test;/work/main/fuzz/CMakeLists.txt;20;parley_fuzzer;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[fuzz_config_corpus]=] "/work/main/build-tidy/fuzz/config_replay" "/work/main/fuzz/corpus/config")
set_tests_properties([=[fuzz_config_corpus]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;8;add_test;/work/main/fuzz/CMakeLists.txt;21;parley_fuzzer;/work/main/fuzz/CMakeLists.txt;0;")
