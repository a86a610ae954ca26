/* test_jenkins.c: reading Jenkins replies and building trigger forms (lib/clients/jenkins) */
#include "jenkins.h"
#include "tap.h"

#include <string.h>

static struct buf body_of(const char *s)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, s);
	return b;
}

static void test_location(void)
{
	long long id = 0;

	ok(jenkins_location_queue_id("http://j:8080/queue/item/42/", &id) == 0 && id == 42,
	   "queue id from a Location with a trailing slash");
	ok(jenkins_location_queue_id("http://j/jenkins/queue/item/7", &id) == 0 && id == 7,
	   "queue id under a context path, no slash");
	ok(jenkins_location_queue_id("http://j/job/x/", &id) < 0, "a job page is not a queue item");
	ok(jenkins_location_queue_id("http://j/queue/item/abc/", &id) < 0,
	   "a non-number is refused");
	ok(jenkins_location_queue_id("", &id) < 0, "an empty Location is refused");
	ok(jenkins_location_queue_id(NULL, &id) < 0, "no Location is refused");
}

static void test_queue_item(void)
{
	struct jenkins_queue_state q;
	struct buf b;

	b = body_of("{\"_class\":\"hudson.model.Queue$WaitingItem\",\"id\":5,\"why\":\"In the "
		    "quiet period\"}");
	ok(jenkins_parse_queue_item(&b, &q) == 0 && !q.left && !q.build,
	   "a waiting item has not left");
	is_str(q.why, "In the quiet period", "why is read");
	buf_release(&b);
	b = body_of("{\"_class\":\"hudson.model.Queue$LeftItem\",\"cancelled\":false,"
		    "\"executable\":{\"number\":35,\"url\":\"http://j/job/x/35/\"}}");
	ok(jenkins_parse_queue_item(&b, &q) == 0 && q.left && q.build == 35 && !q.cancelled,
	   "a left item gives its build number");
	buf_release(&b);
	b = body_of(
	    "{\"_class\":\"hudson.model.Queue$LeftItem\",\"cancelled\":true,\"executable\":null}");
	ok(jenkins_parse_queue_item(&b, &q) == 0 && q.left && q.cancelled && !q.build,
	   "a cancelled item has no build");
	buf_release(&b);
	b = body_of("<html>");
	ok(jenkins_parse_queue_item(&b, &q) < 0, "HTML is not a queue item");
	buf_release(&b);
}

static void test_build(void)
{
	struct jenkins_build_state s;
	struct buf b;

	b = body_of("{\"number\":3,\"building\":true,\"result\":null}");
	ok(jenkins_parse_build(&b, &s) == 0 && s.building && !s.result[0], "a running build");
	buf_release(&b);
	b = body_of("{\"number\":3,\"building\":false,\"result\":\"FAILURE\"}");
	ok(jenkins_parse_build(&b, &s) == 0 && !s.building, "a finished build");
	is_str(s.result, "FAILURE", "its result");
	buf_release(&b);
}

static void test_find(void)
{
	struct buf b;
	long long found = 0;

	b = body_of("{\"items\":[{\"id\":9,\"actions\":[{},{\"parameters\":[{\"name\":\"BRANCH\","
		    "\"value\":\"main\"},"
		    "{\"name\":\"DEPLOYMENT_ID\",\"value\":\"d-2\"}]}]},"
		    "{\"id\":11,\"actions\":[{\"parameters\":[{\"name\":\"DEPLOYMENT_ID\","
		    "\"value\":\"d-1\"}]}]}]}");
	ok(jenkins_find_by_param(&b, "items", "DEPLOYMENT_ID", "d-1", &found) == 1 && found == 11,
	   "the queue item with our DEPLOYMENT_ID");
	ok(jenkins_find_by_param(&b, "items", "DEPLOYMENT_ID", "d-3", &found) == 0,
	   "none for another deployment");
	ok(jenkins_find_by_param(&b, "builds", "DEPLOYMENT_ID", "d-1", &found) < 0,
	   "a reply without the list is unreadable");
	buf_release(&b);
	b = body_of("{\"builds\":[{\"number\":4,\"actions\":[{\"parameters\":[{\"name\":"
		    "\"DEPLOYMENT_ID\",\"value\":\"d-1\"}]}]}]}");
	ok(jenkins_find_by_param(&b, "builds", "DEPLOYMENT_ID", "d-1", &found) == 1 && found == 4,
	   "the build with our DEPLOYMENT_ID");
	buf_release(&b);
}

static void test_form(void)
{
	struct buf f = BUF_INIT;

	jenkins_form_add(&f, "REPO_URL", "https://github.com/a/b");
	jenkins_form_add(&f, "BRANCH", "feat/x y&z");
	jenkins_form_add(&f, "COMMIT", NULL);
	is_str(f.buf, "REPO_URL=https%3A%2F%2Fgithub.com%2Fa%2Fb&BRANCH=feat%2Fx%20y%26z&COMMIT=",
	       "form values are percent-encoded, NULL is empty");
	buf_release(&f);
}

static void test_init(void)
{
	struct jenkins j;
	struct err e = ERR_INIT;

	ok(jenkins_init(&j, "ftp://x", "u", "t", "job", 0, &e) < 0, "a non-HTTP URL is refused");
	ok(jenkins_init(&j, "http://127.0.0.1:1/", "u", "t", "folder/my job", 0, &e) == 0,
	   "a folder job is accepted");
	is_str(j.base, "http://127.0.0.1:1", "the trailing slash is dropped");
	is_str(j.job_path, "/job/folder/job/my%20job", "folder segments each get /job/");
	jenkins_release(&j);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_location();
	test_queue_item();
	test_build();
	test_find();
	test_form();
	test_init();
	curl_global_cleanup();
	return tap_done();
}
