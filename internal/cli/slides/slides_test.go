package slides

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func TestNewCmdSlides(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	dir := t.TempDir()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: dir}
	for _, c := range []struct {
		args             []string
		deck, export, at string
		wantErr          bool
	}{
		{nil, "", "", "127.0.0.1:0", false},
		{[]string{"lab3"}, "lab3", "", "127.0.0.1:0", false},
		{[]string{"--export", "site"}, "", "site", "127.0.0.1:0", false},
		{[]string{"--listen", "127.0.0.1:8123", "intro"}, "intro", "", "127.0.0.1:8123", false},
		{[]string{"lab1", "lab2"}, "", "", "", true},
		{[]string{"lab1", "--export", "site"}, "", "", "", true},
		{[]string{"--bogus"}, "", "", "", true},
	} {
		var got *SlidesOptions
		cmd := NewCmdSlides(f, func(o *SlidesOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if (err != nil) != c.wantErr {
			t.Errorf("%v: error %v, want error %v", c.args, err, c.wantErr)
			continue
		}
		if c.wantErr {
			if got != nil {
				t.Errorf("%v: ran despite the error", c.args)
			}
			continue
		}
		if got == nil || got.Deck != c.deck || got.Export != c.export || got.Listen != c.at {
			t.Errorf("%v: options %+v, want deck %q export %q listen %q", c.args, got, c.deck, c.export, c.at)
		}
	}
}

func TestSlidesRunExport(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	dir := t.TempDir()
	opts := &SlidesOptions{IO: ios, ResolvePath: (&cmdutil.Factory{WorkDir: dir}).ResolvePath, Export: "site"}
	if err := slidesRun(opts); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"index.html", "intro.html", "lab8.html", "labs/lab1.html", "img/windows.svg", "assets/slides.js"} {
		if _, err := os.Stat(filepath.Join(dir, "site", p)); err != nil {
			t.Errorf("the export lacks %s: %v", p, err)
		}
	}
	if !strings.Contains(out.String(), filepath.Join(dir, "site")) {
		t.Errorf("output %q does not say where the site is", out.String())
	}
}

// lineWriter hands every write of the command's goroutine to the test.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

func TestSlidesRunServe(t *testing.T) {
	out := make(lineWriter, 16)
	ios := iostreams.New(strings.NewReader(""), out, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	urlRe := regexp.MustCompile(`slides: (http://127\.0\.0\.1:[0-9]+/lab3\.html)`)
	opts := &SlidesOptions{IO: ios, Ctx: ctx, Listen: "127.0.0.1:0", Deck: "3"}
	go func() { done <- slidesRun(opts) }()
	var url string
	select {
	case err := <-done:
		t.Fatalf("slides returned before serving: %v", err)
	case line := <-out:
		m := urlRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first output %q, want the deck's address", line)
		}
		url = m[1]
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Windowed aggregation") {
		t.Errorf("GET %s: %d, %d bytes", url, resp.StatusCode, len(body))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("after Ctrl+C: %v", err)
	}
}

func TestSlidesRunErrors(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	for _, opts := range []*SlidesOptions{
		{IO: ios, Deck: "lab99", Listen: "127.0.0.1:0"},
		{IO: ios, Listen: "0.0.0.0:0"},
		{IO: ios, Listen: "not an address"},
	} {
		if err := slidesRun(opts); err == nil {
			t.Errorf("%+v: no error", opts)
		}
	}
}
