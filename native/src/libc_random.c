/* Seeds the C library's rand(), which this process shares with every library it loads.
 *
 * libzmq numbers the peers of a ROUTER socket that do not name themselves with a counter that
 * starts at rand()'s next value, and it never seeds rand(): unseeded, the counter starts at
 * the same value in every process (0x6b8b4567 on glibc), so a stranger can predict the ids the
 * pipeline's next workers will get, claim them first under explicit routing ids, and make
 * libzmq abort on the duplicate. Seeded from the kernel's random source before the socket is
 * created, the counter starts somewhere unknowable (see WorkerBroker). */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "module.h"

static napi_value sp_seed_libc_random(napi_env env, napi_callback_info info) {
  (void)info;
  unsigned int seed;
  if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
    /* No kernel randomness (very old kernel): time and pid are still better than a constant. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seed = (unsigned int)(ts.tv_nsec ^ ts.tv_sec ^ (long)getpid() << 16);
  }
  srand(seed);
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}
SP_EXPORT("seedLibcRandom", sp_seed_libc_random)
