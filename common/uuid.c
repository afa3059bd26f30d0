/* uuid.c: random (version 4) UUIDs from libsodium's CSPRNG. */
#include <stdio.h>

#include <sodium.h>

#include "common.h"

void
uuid_v4(char out[UUID_STR_LEN + 1])
{
	unsigned char	u[16];

	if (sodium_init() < 0) {
		/* sodium_init only fails without a random source; an id
		 * that is not random would break merges, so refuse. */
		out[0] = '\0';
		return;
	}
	randombytes_buf(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(out, UUID_STR_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	    u[10], u[11], u[12], u[13], u[14], u[15]);
	sodium_memzero(u, sizeof(u));
}
