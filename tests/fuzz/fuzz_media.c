/*
 * fuzz_media.c: libFuzzer target for form_attach(), a form's attachments
 * (media.c): the first byte chooses the file the rest of the input is
 * given as, a CSV, a GeoJSON or an XML list; then the rows are looked up
 * as pulldata() and a select would. Any crash, leak, sanitizer report or
 * runaway allocation is a bug; ERR_INPUT is the expected answer to most
 * inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../forms/forms.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char form_csv[] =
    "survey,,,\n"
    ",type,name,label\n"
    ",select_one_from_file l.csv,a,A\n"
    ",select_one_from_file g.geojson,b,B\n"
    ",select_multiple_from_file x.xml,c,C\n";

static const char *const files[] = { "l.csv", "g.geojson", "x.xml" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct choice_list	*l;
	struct form			*f = NULL;
	struct diags			 d;
	struct err			 e;
	const char			*name;
	size_t				 i;

	if (size < 1)
		return 0;
	diags_init(&d);
	err_init(&e);
	if (form_load("fuzz.csv", form_csv, sizeof(form_csv) - 1, &f, &d,
	    &e) != 0)
		__builtin_trap();	/* the form above is good */
	name = files[data[0] % 3];
	err_init(&e);
	if (form_attach(f, name, data + 1, size - 1, &e) == 0) {
		for (i = 0; i < f->nmedia; i++) {
			l = form_media(f, i);
			if (strcmp(l->file, name) != 0 || l->n == 0)
				continue;
			(void)form_choice(l, l->v[l->n - 1].name);
			(void)media_lookup(l, "label", l->v[0].name);
			(void)choice_col(&l->v[0], "geometry");
		}
	}
	form_free(f);
	diags_release(&d);
	return 0;
}
