/* yamldoc.c: loading a YAML document with libyaml and path lookups */
#include "yamldoc.h"

#include <string.h>

int yamldoc_load(struct yamldoc *d, const char *text, size_t len, struct err *e)
{
	yaml_parser_t parser;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (!yaml_parser_initialize(&parser))
		return err_set(e, 500, "internal_error", "cannot initialise the yaml parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		err_set(e, 422, "invalid_yaml", "line %lu: %s",
			(unsigned long)parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "cannot parse");
		goto out;
	}
	d->loaded = 1;
	if (!yaml_document_get_root_node(&d->doc)) {
		err_set(e, 422, "invalid_yaml", "empty document");
		yamldoc_release(d);
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&parser);
	return rc;
}

void yamldoc_release(struct yamldoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = 0;
}

/* The value under `key` (of `klen` bytes) in mapping `map`, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key, size_t klen)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == klen &&
		    !memcmp(k->data.scalar.value, key, klen))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

yaml_node_t *yamldoc_node(struct yamldoc *d, const char *path)
{
	yaml_node_t *n;

	if (!d->loaded)
		return NULL;
	n = yaml_document_get_root_node(&d->doc);
	while (n && path && *path) {
		const char *dot = strchr(path, '.');
		size_t klen = dot ? (size_t)(dot - path) : strlen(path);

		n = map_get(&d->doc, n, path, klen);
		path = dot ? dot + 1 : path + klen;
	}
	return n;
}

const char *yamldoc_scalar(struct yamldoc *d, const char *path)
{
	yaml_node_t *n = yamldoc_node(d, path);

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

int yamldoc_is_map(struct yamldoc *d)
{
	yaml_node_t *n = yamldoc_node(d, NULL);

	return n && n->type == YAML_MAPPING_NODE;
}

int yamldoc_each(struct yamldoc *d, const char *path,
		 int (*fn)(const char *key, yaml_node_t *value, void *arg), void *arg)
{
	yaml_node_t *map = yamldoc_node(d, path);
	yaml_node_pair_t *p;
	int rc;

	if (!map || map->type != YAML_MAPPING_NODE)
		return 0;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);

		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		rc = fn((const char *)k->data.scalar.value,
			yaml_document_get_node(&d->doc, p->value), arg);
		if (rc)
			return rc;
	}
	return 0;
}
