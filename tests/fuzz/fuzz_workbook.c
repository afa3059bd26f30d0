/*
 * fuzz_workbook.c: libFuzzer target for workbook_load(), every format it
 * tells apart (xlsx, csv, md, the refusals). Any crash, leak, sanitizer
 * report or runaway allocation is a bug; an ERR_INPUT is the expected
 * answer to most inputs.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../forms/forms.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workbook	wb;
	struct err	e;

	err_init(&e);
	if (workbook_load(&wb, "fuzz", data, size, &e) == 0)
		workbook_release(&wb);
	return 0;
}
