/* test_argocd.c: reading Application status and judging it against our commit */
#include "argocd.h"
#include "tap.h"

static enum argocd_verdict judge(const char *json, const char *commit)
{
	struct argocd_status st;
	struct err e = ERR_INIT;

	if (argocd_parse(json, &st, &e) < 0)
		return (enum argocd_verdict) - 1;
	return argocd_judge(&st, commit);
}

#define APP(sync, rev, health, phase, oprev)                                                       \
	"{\"metadata\":{\"name\":\"a\"},\"status\":{\"sync\":{\"status\":\"" sync                  \
	"\",\"revision\":\"" rev "\"},\"health\":{\"status\":\"" health                            \
	"\",\"message\":\"pod crashloops\"},"                                                      \
	"\"operationState\":{\"phase\":\"" phase "\",\"message\":\"sync failed: bad manifest\","   \
	"\"syncResult\":{\"revision\":\"" oprev "\"}}}}"

/* A PodLogs stream as Argo CD's REST gateway sends it: two pods, a pod's open error with the
 * zero time, a blank line, the closing entry. */
static void pod_logs(void)
{
	static const char body[] =
	    "{\"result\":{\"content\":\"hello \\\"x\\\"\",\"timeStamp\":\"2024-05-01T10:00:00Z\","
	    "\"timeStampStr\":\"2024-05-01T10:00:00.5Z\",\"podName\":\"web-a\",\"last\":false}}\n"
	    "{\"result\":{\"content\":\"container x is not valid\",\"timeStamp\":"
	    "\"0001-01-01T00:00:00Z\",\"timeStampStr\":\"0001-01-01T00:00:00Z\",\"podName\":\"\"}}"
	    "\n"
	    "\r\n"
	    "{\"result\":{\"content\":\"\",\"timeStampStr\":\"2024-05-01T10:00:01.25Z\","
	    "\"podName\":\"web-b\"}}\n"
	    "{\"result\":{\"content\":\"\",\"timeStampStr\":\"2024-05-01T10:00:02Z\",\"podName\":"
	    "\"\",\"last\":true}}\n";
	struct argocd_logs l = ARGOCD_LOGS_INIT;
	struct err e = ERR_INIT;

	ok(argocd_logs_parse(body, sizeof(body) - 1, &l, &e) == 0, "a pod log stream parses");
	is_int((int)l.n, 2, "two lines, in the stream's order");
	is_int((int)l.skipped, 2, "the open error and the closing entry are no lines");
	is_str(l.v[0].pod, "web-a", "each line has its pod");
	is_str(l.v[0].stamp, "2024-05-01T10:00:00.5Z", "and timeStampStr, with its fraction");
	is_str(l.v[0].text, "hello \"x\"", "and its content");
	is_str(l.v[1].text, "", "an empty line stays a line");
	argocd_logs_release(&l);
	ok(argocd_logs_parse("{\"error\":{\"code\":2,\"message\":\"stream broke\"}}\n", 46, &l,
			     &e) < 0,
	   "an error entry fails the read");
	is_str(e.code, "argocd_unavailable", "as Argo CD unavailable");
	ok(strstr(e.msg, "stream broke") != NULL, "with Argo CD's message");
	ok(argocd_logs_parse("<html>", 6, &l, &e) < 0, "text that is no JSON fails");
	argocd_logs_release(&l);
}

int main(void)
{
	struct argocd_status st;
	struct err e = ERR_INIT;

	is_int(judge(APP("Synced", "c1", "Healthy", "Succeeded", "c1"), "c1"), ARGOCD_LIVE,
	       "Synced and Healthy at our commit: live");
	is_int(judge(APP("Synced", "c0", "Healthy", "Succeeded", "c0"), "c1"), ARGOCD_WAIT,
	       "Healthy at an older commit: wait");
	is_int(judge(APP("OutOfSync", "c1", "Healthy", "Running", "c1"), "c1"), ARGOCD_WAIT,
	       "still syncing: wait");
	is_int(judge(APP("Synced", "c1", "Progressing", "Succeeded", "c1"), "c1"), ARGOCD_WAIT,
	       "progressing: wait");
	is_int(judge(APP("Synced", "c1", "Degraded", "Succeeded", "c1"), "c1"), ARGOCD_FAILED,
	       "Degraded at our commit: failed");
	is_int(judge(APP("Synced", "c0", "Degraded", "Succeeded", "c0"), "c1"), ARGOCD_WAIT,
	       "an older commit Degraded: wait for ours");
	is_int(judge(APP("OutOfSync", "c0", "Healthy", "Failed", "c1"), "c1"), ARGOCD_FAILED,
	       "the sync of our commit failed");
	is_int(judge(APP("OutOfSync", "c0", "Healthy", "Error", "c1"), "c1"), ARGOCD_FAILED,
	       "the sync of our commit errored");
	is_int((int)judge("[]", "c1"), -1, "not an Application: an error");
	ok(argocd_parse(APP("Synced", "c1", "Degraded", "Succeeded", "c1"), &st, &e) == 0, "parse");
	is_str(st.message, "pod crashloops", "the health message is kept for the failure reason");
	ok(argocd_parse("{\"status\":{}}", &st, &e) == 0 && st.found && !st.sync[0],
	   "an app without status yet");
	is_int(argocd_judge(&st, "c1"), ARGOCD_WAIT, "which means wait");
	st.found = 0;
	is_int(argocd_judge(&st, "c1"), ARGOCD_WAIT, "an unknown app: wait");
	pod_logs();
	return tap_done();
}
