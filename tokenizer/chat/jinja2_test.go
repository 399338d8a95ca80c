package chat

import (
	"os"
	"testing"
	"time"
)

// jinja2Case is one entry of testdata/jinja2_cases.json, written by
// testdata/jinja2_cases.py with Python's jinja2 set up as HF sets it up.
type jinja2Case struct {
	name, template string
	context        *Object
	output         string
	wantErr        string
}

func loadJinja2Cases(t *testing.T) (base *Object, now time.Time, cases []jinja2Case) {
	t.Helper()
	path := "testdata/jinja2_cases.json"
	if alt := os.Getenv("NARA_JINJA2_CASES"); alt != "" {
		// Another case file in the same format, e.g. randomly generated.
		path = alt
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	root := v.(*Object)
	b, _ := root.Get("base")
	nowText, _ := root.Get("now")
	now, err = time.ParseInLocation("2006-01-02T15:04:05", nowText.(string), time.Local)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := root.Get("cases")
	for _, item := range list.([]any) {
		o := item.(*Object)
		var c jinja2Case
		name, _ := o.Get("name")
		src, _ := o.Get("template")
		c.name, c.template = name.(string), src.(string)
		if ctx, ok := o.Get("context"); ok {
			c.context = ctx.(*Object)
		}
		if out, ok := o.Get("output"); ok {
			c.output = out.(string)
		} else {
			e, _ := o.Get("error")
			c.wantErr = e.(string)
		}
		cases = append(cases, c)
	}
	return b.(*Object), now, cases
}

// renderVars renders src with the given top-level variables, the way the
// Python generator passes them.
func renderVars(src string, vars *Object, now time.Time) (string, error) {
	tpl, err := Parse(src)
	if err != nil {
		return "", err
	}
	msgs, err := toValue(mustGet(vars, "messages"), 0)
	if err != nil {
		return "", err
	}
	opts := Options{Now: func() time.Time { return now }, Extra: map[string]any{}}
	for _, k := range vars.Keys() {
		switch v, _ := vars.Get(k); k {
		case "messages":
		case "add_generation_prompt":
			opts.AddGenerationPrompt = v.(bool)
		default:
			opts.Extra[k] = v
		}
	}
	return tpl.render(msgs, opts)
}

func mustGet(o *Object, k string) any {
	v, _ := o.Get(k)
	return v
}

// TestJinja2Cases compares every case with the text (or the failure) Python's
// jinja2 produced for it.
func TestJinja2Cases(t *testing.T) {
	base, now, cases := loadJinja2Cases(t)
	pass := 0
	for _, c := range cases {
		vars := NewObject()
		for _, k := range base.Keys() {
			vars.Set(k, mustGet(base, k))
		}
		if c.context != nil {
			for _, k := range c.context.Keys() {
				vars.Set(k, mustGet(c.context, k))
			}
		}
		got, err := renderVars(c.template, vars, now)
		switch {
		case c.wantErr != "" && err == nil:
			t.Errorf("%s: rendered %q, want jinja2's error %q\ntemplate %q", c.name, got, c.wantErr, c.template)
		case c.wantErr != "":
			t.Logf("%s: fails as in jinja2 (%s): %v", c.name, c.wantErr, err)
			pass++
		case err != nil:
			t.Errorf("%s: %v\nwant %q\ntemplate %q", c.name, err, c.output, c.template)
		case got != c.output:
			t.Errorf("%s:\n got %q\nwant %q\ntemplate %q", c.name, got, c.output, c.template)
		default:
			if os.Getenv("NARA_JINJA2_CASES") == "" { // random case files are large
				t.Logf("%s: %d bytes, identical", c.name, len(got))
			}
			pass++
		}
	}
	t.Logf("jinja2 cases: %d of %d match", pass, len(cases))
}
