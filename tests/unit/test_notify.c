/* test_notify.c: lib/model/notify's address rules and event names, data-driven */
#include "notify.h"

#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* 1 when `text` (an IPv4 or IPv6 literal) is refused */
static int blocked(const char *text)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;

	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, text, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		return notify_addr_blocked((struct sockaddr *)&in4, NULL, 0);
	}
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		return notify_addr_blocked((struct sockaddr *)&in6, NULL, 0);
	}
	return -1;
}

int main(void)
{
	static const char *const refused[] = {
	    "0.0.0.0",
	    "0.1.2.3",
	    "10.0.0.1",
	    "10.255.255.255",
	    "100.64.0.1",
	    "100.127.255.254",
	    "127.0.0.1",
	    "127.255.0.9",
	    "169.254.169.254",
	    "169.254.0.1",
	    "172.16.0.1",
	    "172.31.255.255",
	    "192.0.0.8",
	    "192.0.2.1",
	    "192.168.0.1",
	    "198.18.0.1",
	    "198.51.100.7",
	    "203.0.113.9",
	    "224.0.0.1",
	    "239.255.255.250",
	    "240.0.0.1",
	    "255.255.255.255",
	    "::",
	    "::1",
	    "fe80::1",
	    "fec0::1",
	    "fc00::1",
	    "fd12:3456::1",
	    "ff02::1",
	    "2001:db8::1",
	    "::ffff:127.0.0.1",
	    "::ffff:10.0.0.1",
	    "64:ff9b::a9fe:a9fe",
	    "100::1",
	    NULL,
	};
	static const char *const allowed[] = {
	    "1.1.1.1",	       "8.8.8.8",	   "93.184.215.14",
	    "100.63.255.255",  "100.128.0.1",	   "172.15.255.255",
	    "172.32.0.1",      "192.169.0.1",	   "198.20.0.1",
	    "223.255.255.255", "2606:4700::1111",  "2001:4860:4860::8888",
	    "::ffff:8.8.8.8",  "64:ff9b::808:808", NULL,
	};
	char why[128] = "";
	struct sockaddr_in in4;

	for (int i = 0; refused[i]; i++)
		ok(blocked(refused[i]) == 1, "%s is refused", refused[i]);
	for (int i = 0; allowed[i]; i++)
		ok(blocked(allowed[i]) == 0, "%s is allowed", allowed[i]);

	memset(&in4, 0, sizeof(in4));
	in4.sin_family = AF_INET;
	inet_pton(AF_INET, "169.254.169.254", &in4.sin_addr);
	notify_addr_blocked((struct sockaddr *)&in4, why, sizeof(why));
	ok(!strcmp(why, "169.254.169.254 is the cloud metadata address"), "the reason names it: %s",
	   why);

	ok(notify_event_known("deployment.live") && notify_event_known("preview.ready"),
	   "subscribable events");
	ok(!notify_event_known(NOTIFY_EVENT_TEST) && !notify_event_known("deployment.queued") &&
	       !notify_event_known(NULL),
	   "the test event and unknown names are not");
	ok(!strcmp(notify_event_of_state("live"), "deployment.live") &&
	       !strcmp(notify_event_of_state("failed"), "deployment.failed") &&
	       !notify_event_of_state("pushed") && !notify_event_of_state("syncing"),
	   "states map to events; pushed and syncing raise none");
	return tap_done();
}
