// render.go: renders the app chart the way Helm does (text/template + sprig + Helm's own
// include/toYaml/required) and the ApplicationSet template the way Argo CD does (each string
// field as a Go template over the git files generator's parameters), printing JSON for the
// schema validation in validate.mjs. Test tool only; built offline from Debian's Go packages:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run render.go chart -chart DIR -f values.yaml \
//		-release NAME -namespace NS
//	... go run render.go appset -file applicationset.yaml -path apps/ws/user/project/Chart.yaml
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "render: "+format+"\n", args...)
	os.Exit(1)
}

func readYAML(path string) map[string]interface{} {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		die("%s: %v", path, err)
	}
	return out
}

// merge lays `over` onto `base` the way Helm merges values files: maps deeply, the rest replaced.
func merge(base, over map[string]interface{}) map[string]interface{} {
	for k, v := range over {
		if bv, ok := base[k].(map[string]interface{}); ok {
			if ov, ok := v.(map[string]interface{}); ok {
				base[k] = merge(bv, ov)
				continue
			}
		}
		base[k] = v
	}
	return base
}

func toYAML(v interface{}) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// helmFuncs: sprig plus the functions Helm adds that the chart uses.
func helmFuncs(t **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	f["toYaml"] = toYAML
	f["include"] = func(name string, data interface{}) (string, error) {
		var b bytes.Buffer
		err := (*t).ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	return f
}

type object struct {
	Template string      `json:"template"`
	Object   interface{} `json:"object"`
}

func renderChart(args []string) {
	fs := flag.NewFlagSet("chart", flag.ExitOnError)
	chart := fs.String("chart", "", "chart folder")
	release := fs.String("release", "release", "release name")
	namespace := fs.String("namespace", "default", "namespace")
	var files multi
	fs.Var(&files, "f", "values file (repeat)")
	fs.Parse(args)

	meta := readYAML(filepath.Join(*chart, "Chart.yaml"))
	values := readYAML(filepath.Join(*chart, "values.yaml"))
	for _, f := range files {
		values = merge(values, readYAML(f))
	}
	top := map[string]interface{}{
		"Values":  values,
		"Release": map[string]interface{}{"Name": *release, "Namespace": *namespace, "Service": "Helm", "IsInstall": true},
		"Chart":   map[string]interface{}{"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"},
		},
	}
	paths, _ := filepath.Glob(filepath.Join(*chart, "templates", "*"))
	sort.Strings(paths)
	var t *template.Template
	t = template.New("chart").Option("missingkey=zero").Funcs(helmFuncs(&t))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			die("%v", err)
		}
		if _, err := t.New(filepath.Base(p)).Parse(string(data)); err != nil {
			die("%v", err)
		}
	}
	out := []object{}
	for _, p := range paths {
		name := filepath.Base(p)
		if strings.HasPrefix(name, "_") || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name, top); err != nil {
			die("%s: %v", name, err)
		}
		text := strings.ReplaceAll(b.String(), "<no value>", "")
		dec := yaml.NewDecoder(strings.NewReader(text))
		for {
			var doc interface{}
			err := dec.Decode(&doc)
			if err != nil && err.Error() == "EOF" {
				break
			}
			if err != nil {
				die("%s does not render to YAML: %v\n%s", name, err, text)
			}
			if doc != nil {
				out = append(out, object{name, doc})
			}
		}
	}
	emit(out)
}

// expand renders every string of `v` as a Go template over `params` (Argo CD's goTemplate mode).
func expand(v interface{}, params map[string]interface{}) interface{} {
	switch x := v.(type) {
	case string:
		t, err := template.New("f").Option("missingkey=error").Funcs(sprig.TxtFuncMap()).Parse(x)
		if err != nil {
			die("template %q: %v", x, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, params); err != nil {
			die("template %q: %v", x, err)
		}
		return b.String()
	case map[string]interface{}:
		for k, e := range x {
			x[k] = expand(e, params)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = expand(e, params)
		}
		return x
	}
	return v
}

func renderAppSet(args []string) {
	fs := flag.NewFlagSet("appset", flag.ExitOnError)
	file := fs.String("file", "", "ApplicationSet manifest")
	path := fs.String("path", "", "a file the git files generator matched")
	fs.Parse(args)

	set := readYAML(*file)
	spec := set["spec"].(map[string]interface{})
	tmpl := spec["template"].(map[string]interface{})
	dir := filepath.Dir(*path)
	params := map[string]interface{}{
		"path": map[string]interface{}{
			"path":     dir,
			"basename": filepath.Base(dir),
			"filename": filepath.Base(*path),
			"segments": strings.Split(dir, "/"),
		},
	}
	app := map[string]interface{}{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   expand(tmpl["metadata"], params),
		"spec":       expand(tmpl["spec"], params),
	}
	emit([]object{{"applicationset", app}})
}

func emit(v interface{}) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		die("%v", err)
	}
}

func main() {
	if len(os.Args) < 2 {
		die("usage: render.go chart|appset ...")
	}
	switch os.Args[1] {
	case "chart":
		renderChart(os.Args[2:])
	case "appset":
		renderAppSet(os.Args[2:])
	default:
		die("unknown mode %s", os.Args[1])
	}
}
