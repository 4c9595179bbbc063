package slides

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestExportLinks writes the static site and follows every link and image
// of every page: each must name a file of the site (and, with a fragment,
// an element of that page), or be an absolute http(s) or data URL.
func TestExportLinks(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var progress bytes.Buffer
	if err := site.Export(dir, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "index.html") {
		t.Errorf("progress = %q, want it to name index.html", progress.String())
	}
	ids := map[string]map[string]bool{}
	type link struct{ page, attr, dest string }
	var links []link
	err = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(p) != ".html" {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		ids[rel] = map[string]bool{}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				for _, a := range n.Attr {
					switch {
					case a.Key == "id":
						ids[rel][a.Val] = true
					case a.Key == "href" || a.Key == "src":
						links = append(links, link{rel, n.Data + " " + a.Key, a.Val})
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(site.Decks)+len(site.Labs)+1 {
		t.Errorf("%d HTML pages, want %d decks + %d labs + the index", len(ids), len(site.Decks), len(site.Labs))
	}
	local := 0
	for _, l := range links {
		u, err := url.Parse(l.dest)
		if err != nil {
			t.Errorf("%s: %s %q: %v", l.page, l.attr, l.dest, err)
			continue
		}
		switch u.Scheme {
		case "http", "https":
			if u.Host == "" {
				t.Errorf("%s: %s %q has no host", l.page, l.attr, l.dest)
			}
			continue
		case "data", "mailto":
			continue
		case "":
		default:
			t.Errorf("%s: %s %q: unexpected scheme", l.page, l.attr, l.dest)
			continue
		}
		target := l.page
		if u.Path != "" {
			if strings.HasPrefix(u.Path, "/") {
				t.Errorf("%s: %s %q is absolute: the site must work from any folder", l.page, l.attr, l.dest)
				continue
			}
			target = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(l.page), u.Path)))
			if _, err := os.Stat(filepath.Join(dir, target)); err != nil {
				t.Errorf("%s: %s %q: %s is not in the site", l.page, l.attr, l.dest, target)
				continue
			}
		}
		local++
		if u.Fragment != "" && ids[target] != nil && !ids[target][u.Fragment] {
			t.Errorf("%s: %s %q: %s has no element with id %q", l.page, l.attr, l.dest, target, u.Fragment)
		}
	}
	// Every page links its stylesheet and at least one other page.
	if local < 3*len(ids) {
		t.Errorf("only %d local links over %d pages", local, len(ids))
	}
}

func TestExportErrors(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Export("", nil); err == nil {
		t.Error("Export(\"\") = nil, want an error")
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := site.Export(file, nil); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("Export(a file) = %v, want an error saying it is a file", err)
	}
}
