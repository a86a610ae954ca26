/* test_buf.c: the growable buffer and its cap */
#include "buf.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	struct buf b;
	char *s;
	size_t len;

	buf_init(&b, 0);
	is_str(b.buf, "", "a new buffer is an empty string");
	ok(buf_addstr(&b, "hello") == 0, "append");
	ok(buf_addf(&b, " %d %s", 42, "world") == 0, "formatted append");
	is_str(b.buf, "hello 42 world", "content");
	is_int(b.len, 14, "length");
	for (int i = 0; i < 1000; i++)
		buf_addch(&b, 'x');
	is_int(b.len, 1014, "grows past its first allocation");
	buf_truncate(&b, 5);
	is_str(b.buf, "hello", "truncate");
	s = buf_detach(&b, &len);
	is_str(s, "hello", "detach hands the string over");
	is_int(len, 5, "detach length");
	is_str(b.buf, "", "the buffer is empty after detach");
	free(s);

	buf_init(&b, 8);
	ok(buf_addstr(&b, "12345678") == 0, "fill up to the cap");
	ok(buf_addch(&b, '9') == -1, "one byte over the cap is refused");
	is_str(b.buf, "12345678", "a refused append changes nothing");
	ok(buf_addf(&b, "%s", "") == 0, "an empty append at the cap works");
	buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	buf_release(&b);
	buf_release(&b);
	ok(1, "release twice is safe");
	return tap_done();
}
