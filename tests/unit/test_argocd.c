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
	return tap_done();
}
