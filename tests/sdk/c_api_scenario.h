/* Entry point of the C scenario (c_api_scenario.c) for the C++ test driver. Returns 0 on success, else writes
 * what failed into `failure`. */
#ifndef PARLEY_TESTS_C_API_SCENARIO_H
#define PARLEY_TESTS_C_API_SCENARIO_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
int parley_c_scenario(const char* url, const char* dir, const char* alice_token, const char* bob_token, char* failure,
                      size_t failure_len);
#ifdef __cplusplus
}
#endif
#endif
