package slides

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	courseslides "github.com/mlops-lab/mlops-lab/slides"
)

func TestParseDeck(t *testing.T) {
	src := "# Title\n\nintro\n\nNote:\nsay hello\n---\n## Two\n\n```text\n---\nnot a break\n```\nNote: inline note\nmore note\n---\n\n---\n## Three\n"
	d, err := ParseDeck("03-windows.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "lab3" || d.Number != 3 || d.Title != "Title" {
		t.Fatalf("deck = %q number %d title %q, want lab3, 3, Title", d.Name, d.Number, d.Title)
	}
	if len(d.Slides) != 3 {
		t.Fatalf("%d slides, want 3 (an empty slide between two --- is skipped): %+v", len(d.Slides), d.Slides)
	}
	if d.Slides[0].Notes != "say hello" || strings.Contains(d.Slides[0].Body, "say hello") {
		t.Errorf("slide 1: body %q notes %q: the notes must be split off", d.Slides[0].Body, d.Slides[0].Notes)
	}
	if !strings.Contains(d.Slides[1].Body, "---\nnot a break") {
		t.Errorf("slide 2 body %q: a --- inside a code block is code, not a break", d.Slides[1].Body)
	}
	if d.Slides[1].Notes != "inline note\nmore note" {
		t.Errorf("slide 2 notes = %q", d.Slides[1].Notes)
	}
	if d.Slides[2].Line != 19 {
		t.Errorf("slide 3 starts at line %d, want 19", d.Slides[2].Line)
	}
	intro, err := ParseDeck("00-intro.md", []byte("# Hi\n"))
	if err != nil || intro.Name != "intro" {
		t.Fatalf("00-intro.md: %v, name %q", err, intro.Name)
	}
}

func TestParseDeckErrors(t *testing.T) {
	for _, c := range []struct{ file, src, want string }{
		{"intro.md", "# T\n", "NN-name.md"},
		{"01-a.md", "## no title\n", "01-a.md:1: the first slide needs a `# Title`"},
		{"01-a.md", "# T\n```go\nx\n", "never closed"},
		{"01-a.md", "\n---\n\n", "has no slides"},
	} {
		_, err := ParseDeck(c.file, []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseDeck(%s, %q) = %v, want an error containing %q", c.file, c.src, err, c.want)
		}
	}
}

func TestLoadDecksDuplicateNumber(t *testing.T) {
	fsys := fstest.MapFS{"01-a.md": {Data: []byte("# A\n")}, "01-b.md": {Data: []byte("# B\n")}}
	if _, err := LoadDecks(fsys); err == nil || !strings.Contains(err.Error(), "both have number 01") {
		t.Fatalf("LoadDecks = %v, want an error naming both files", err)
	}
}

// TestCourseDecks checks the shipped decks: one per lab plus the
// introduction, 15 to 30 slides each, every slide with speaker notes, and
// each deck linking to its lab's instructions.
func TestCourseDecks(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(site.Decks) != len(site.Labs)+1 {
		t.Fatalf("%d decks for %d labs, want one per lab plus the introduction", len(site.Decks), len(site.Labs))
	}
	for i, d := range site.Decks {
		if d.Number != i {
			t.Errorf("deck %d is %s (number %d)", i, d.File, d.Number)
		}
		if n := len(d.Slides); n < 15 || n > 30 {
			t.Errorf("%s has %d slides, want 15 to 30", d.File, n)
		}
		for j, s := range d.Slides {
			if s.Notes == "" {
				t.Errorf("%s:%d: slide %d has no speaker notes", d.File, s.Line, j+1)
			}
		}
		page, _ := site.File(d.Name + ".html")
		if d.Number > 0 && !strings.Contains(string(page), `href="labs/lab`) {
			t.Errorf("%s.html does not link to its lab's instructions", d.Name)
		}
	}
	for _, l := range site.Labs {
		page, ok := site.File("labs/" + l.ID + ".html")
		if !ok || !strings.Contains(string(page), `href="../`+l.ID+`.html"`) {
			t.Errorf("labs/%s.html is missing or does not link to its deck", l.ID)
		}
	}
}

func TestDeckPage(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"intro": "intro.html", "lab3": "lab3.html", "3": "lab3.html", "lab03": "lab3.html", "lab03-windows": "lab3.html", " LAB8 ": "lab8.html"} {
		got, err := site.DeckPage(in)
		if err != nil || got != want {
			t.Errorf("DeckPage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := site.DeckPage("lab42"); err == nil || !strings.Contains(err.Error(), "the decks are: intro, lab1") {
		t.Errorf("DeckPage(lab42) = %v, want an error listing the decks", err)
	}
}

func TestLinkRewrite(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	site, err := New(courseslides.Files, cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dest, from, page, want string }{
		{"../labs/lab03-windows/README.md", "slides", ".", "labs/lab3.html"},
		{"../labs/lab03-windows/README.md#exercises", "slides", ".", "labs/lab3.html#exercises"},
		{"04-ksqldb.md", "slides", ".", "lab4.html"},
		{"img/windows.svg", "slides", ".", "img/windows.svg"},
		{"../docs/teaching.md", "slides", ".", RepoURL + "docs/teaching.md"},
		{"../lab02-streams/README.md", "labs/lab03-windows", "labs", "lab2.html"},
		{"../../slides/03-windows.md", "labs/lab03-windows", "labs", "../lab3.html"},
		{"../../docs/grading.md", "labs/lab03-windows", "labs", RepoURL + "docs/grading.md"},
		{"https://github.com/IBM/sarama", "labs/lab01-producers", "labs", "https://github.com/IBM/sarama"},
		{"#background", "labs/lab01-producers", "labs", "#background"},
	} {
		if got := site.rewrite(c.dest, c.from, c.page); got != c.want {
			t.Errorf("rewrite(%q from %s on %s) = %q, want %q", c.dest, c.from, c.page, got, c.want)
		}
	}
}

func TestHandler(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	for path, want := range map[string]struct {
		status int
		ctype  string
	}{
		"/":                       {200, "text/html"},
		"/lab1.html":              {200, "text/html"},
		"/img/windows.svg":        {200, "image/svg+xml"},
		"/assets/slides.js":       {200, "javascript"},
		"/nope.html":              {404, ""},
		"/../../etc/passwd":       {404, ""},
		"/labs/lab1.html?x=1#top": {200, "text/html"},
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.Contains(resp.Header.Get("Content-Type"), want.ctype) {
			t.Errorf("GET %s: %d %q, want %d %q (%d bytes)", path, resp.StatusCode, resp.Header.Get("Content-Type"), want.status, want.ctype, len(body))
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}
}

func TestServeLoopbackOnly(t *testing.T) {
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "example.com:80", "nonsense"} {
		if err := site.Serve(context.Background(), addr, nil); err == nil {
			t.Errorf("Serve(%q) = nil, want an error", addr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- site.Serve(ctx, "127.0.0.1:0", func(base string) { got <- base }) }()
	base := <-got
	resp, err := http.Get(base + "lab2.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET lab2.html: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}
