/*
 * fuzz_answers.c: the --answers JSON a promoter's script or a digitised
 * paper form feeds to `collector fill`. A fixed form with a group, a
 * repeat, selects, dates and constraints is filled from the input; then
 * the submission is produced. Nothing may crash, leak or grow without
 * bound, whatever the JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../forms/forms.h"

static const char form_csv[] =
    "survey,,,,,,\n"
    ",type,name,label,constraint,relevant,calculation\n"
    ",select_one yn,consent,Consent,,,\n"
    ",begin group,hh,Household,,${consent} = 'yes',\n"
    ",integer,members,Members,. > 0 and . < 40,,\n"
    ",date,visit,Visit,. <= today(),,\n"
    ",select_multiple src,sources,Sources,"
    "\"not(selected(., 'none') and count-selected(.) > 1)\",,\n"
    ",end group,,,,,\n"
    ",begin repeat,child,Child,,${consent} = 'yes',\n"
    ",text,name,Name,,,\n"
    ",decimal,hb,Hb,. >= 4 and . <= 20,,\n"
    ",calculate,adj,,,,${hb} - 2.1\n"
    ",end repeat,,,,,\n"
    ",calculate,total,,,,sum(${hb})\n"
    "choices,,,\n"
    ",list_name,name,label\n"
    ",yn,yes,Yes\n"
    ",yn,no,No\n"
    ",src,tap,Tap\n"
    ",src,well,Well\n"
    ",src,none,None\n";

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct form	*f;
	struct session		*s = NULL;
	struct diags		 d;
	struct err		 e;
	char			*out;

	err_init(&e);
	if (f == NULL) {
		diags_init(&d);
		if (form_load("fuzz.csv", form_csv, sizeof(form_csv) - 1, &f,
		    &d, &e) != 0)
			abort();	/* the harness itself is broken */
		diags_release(&d);
	}
	if (session_new(f, &(struct session_opts){ .device_id = "fuzz",
	    .instance_id = "uuid:00000000-0000-4000-8000-000000000000",
	    .start = 1.7e9 }, &s, &e) != 0)
		return 0;
	diags_init(&d);
	session_fill_json(s, (const char *)data, size, &d, &e);
	diags_release(&d);
	session_finalize(s, 1.7e9 + 60);
	out = session_data_json(s);
	free(out);
	out = session_instance_xml(s);
	free(out);
	session_free(s);
	return 0;
}
