/* hub/main.c: placeholder until the hub's commands land. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "hub: not built yet\n");
	return 2;
}
