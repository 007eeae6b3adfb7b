/* An application embedding a CUDA artifact: the generated header's typed
 * run functions (host pointers, and device pointers on a stream), the
 * static runtime, no CUDA header or library at build time. */
#include "proj.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  static float input[PROJ_INPUT0_ELEMENTS], output[PROJ_OUTPUT0_ELEMENTS];
  tessera_session_t *session;
  tessera_status_t status;
  setvbuf(stdout, NULL, _IONBF, 0); /* in order with the driver's log */
  if (tessera_session_create(&proj_model, NULL, &session) != TESSERA_OK) {
    printf("no session: %s\n", tessera_create_error());
    return 1;
  }
  status = proj_run(session, input, output);
  printf("host pointers: %s\n", tessera_status_string(status));
  /* The fake driver's device addresses are host addresses. */
  status = proj_run_on_stream(session, input, output, NULL);
  printf("device pointers: %s\n", tessera_status_string(status));
  tessera_session_release(session);
  return status == TESSERA_OK ? 0 : 1;
}
