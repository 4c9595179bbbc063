package slides

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// EnvScreenshots names a folder the browser test also writes its
// screenshots to (they always go to the test's temporary folder).
const EnvScreenshots = "MLOPS_LAB_SCREENSHOTS"

// findChromium returns a Chromium or Chrome binary, or "" when there is none.
func findChromium() string {
	if p := os.Getenv("MLOPS_LAB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// problems collects what the browser reported: console errors, uncaught
// exceptions and failed or unsuccessful requests.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

// TestBrowser drives headless Chromium through every deck served by the
// site's handler, as a presenter would with the keyboard.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no Chromium found (looked for chromium, chromium-browser, google-chrome; set MLOPS_LAB_CHROMIUM): install Debian's chromium package to run the browser test")
	}
	site, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()

	shotDirs := []string{t.TempDir()}
	if d := os.Getenv(EnvScreenshots); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		shotDirs = append(shotDirs, d)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.WindowSize(1280, 720),
		chromedp.NoSandbox, // root in CI containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()
	// A hang limit for the whole browser session, not a timed assertion.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelTimeout()

	// chromedp enables the runtime, log and network domains of the tab.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	var seen problems
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == "error" || e.Type == "warning" || e.Type == "assert" {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				seen.add("console %s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			seen.add("uncaught exception: %s %s", e.ExceptionDetails.Text, e.ExceptionDetails.URL)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				seen.add("browser log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventLoadingFailed:
			seen.add("request failed: %s (%s)", e.ErrorText, e.RequestID)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				seen.add("HTTP %d for %s", e.Response.Status, e.Response.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	shot := func(name string) {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		for _, d := range shotDirs {
			if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// With MLOPS_LAB_SCREENSHOTS_ALL set, every slide gets one.
	all := os.Getenv(EnvScreenshots+"_ALL") != ""
	// Slides worth a picture (the first slide of the deck holding this
	// text): diagrams, charts, code; and one with its notes shown.
	shots := map[string]string{
		"intro": "img/lifecycle.svg", "lab1": "img/partitions-groups.svg", "lab3": "img/windows.svg",
		"lab4": "img/ksql-queries.svg", "lab6": "img/diabetes-fit.png", "lab7": "img/deployment.svg", "lab8": "img/sgd-prequential.png",
	}

	for _, d := range site.Decks {
		t.Run(d.Name, func(t *testing.T) {
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/"+d.Name+".html"),
				chromedp.WaitReady(chromedp.CSS("body.deck")),
			); err != nil {
				t.Fatalf("loading %s: %v", d.Name, err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.deck !== undefined && Array.from(document.images).every(i => i.complete)`)); err != nil {
				t.Fatalf("waiting for %s's script and images: %v", d.Name, err)
			}
			broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.getAttribute('src'))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(broken) > 0 {
				t.Errorf("images that did not load: %v", broken)
			}
			count, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.deck.count`))
			if err != nil {
				t.Fatal(err)
			}
			if count != len(d.Slides) {
				t.Fatalf("the page has %d slides, the deck %d", count, len(d.Slides))
			}
			for i := 0; i < count; i++ {
				if i > 0 {
					// Alternate the keys a presenter uses to move on.
					key := kb.ArrowRight
					if i%3 == 0 {
						key = " "
					} else if i%3 == 2 {
						key = kb.PageDown
					}
					if err := chromedp.Do(ctx, chromedp.KeyEvent(key)); err != nil {
						t.Fatal(err)
					}
				}
				checkSlide(ctx, t, d, i)
				if all {
					shot(fmt.Sprintf("%s-slide%02d.png", d.Name, i+1))
				} else if want, ok := shots[d.Name]; ok && strings.Contains(d.Slides[i].Body, want) {
					shot(fmt.Sprintf("%s-slide%02d.png", d.Name, i+1))
					delete(shots, d.Name)
				}
			}
			// Past the end stays on the last slide; back and Home move back.
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
				t.Fatal(err)
			}
			expectCurrent(ctx, t, count-1)
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
				t.Fatal(err)
			}
			expectCurrent(ctx, t, count-2)
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Home)); err != nil {
				t.Fatal(err)
			}
			expectCurrent(ctx, t, 0)

			// Speaker notes: hidden, shown with s, hidden again.
			if notesVisible(ctx, t) {
				t.Error("speaker notes are visible before pressing s")
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent("s")); err != nil {
				t.Fatal(err)
			}
			if !notesVisible(ctx, t) {
				t.Error("speaker notes are not visible after pressing s")
			}
			if d.Name == "lab2" {
				shot("lab2-slide01-notes.png")
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent("s")); err != nil {
				t.Fatal(err)
			}
			if notesVisible(ctx, t) {
				t.Error("speaker notes still visible after pressing s twice")
			}
			for _, p := range seen.take() {
				t.Errorf("%s: %s", d.Name, p)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		pages := []string{"index.html"}
		for _, l := range site.Labs {
			pages = append(pages, "labs/"+l.ID+".html")
		}
		for _, p := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+p), chromedp.WaitReady(chromedp.CSS("article"))); err != nil {
				t.Fatalf("loading %s: %v", p, err)
			}
			title, err := chromedp.Run(ctx, chromedp.Title())
			if err != nil {
				t.Fatal(err)
			}
			if title == "" {
				t.Errorf("%s has no title", p)
			}
		}
		for _, p := range seen.take() {
			t.Error(p)
		}
	})

	// The measurement itself: a deck made to overflow must be caught.
	t.Run("overflow-detected", func(t *testing.T) {
		long := strings.Repeat("- a line of a slide that has far too many lines\n", 40)
		wide := "```text\n" + strings.Repeat("wide ", 120) + "\n```\n"
		bad, err := New(fstest.MapFS{"01-bad.md": {Data: []byte("# Bad\n\n" + long + "\n---\n## Wide\n\n" + wide)}}, site.cat)
		if err != nil {
			t.Fatal(err)
		}
		badSrv := httptest.NewServer(bad.Handler())
		defer badSrv.Close()
		if err := chromedp.Do(ctx, chromedp.Navigate(badSrv.URL+"/lab1.html"), chromedp.WaitReady(chromedp.CSS("body.deck"))); err != nil {
			t.Fatal(err)
		}
		if p := slideProblems(ctx, t, 0); len(p) == 0 || !strings.Contains(strings.Join(p, " "), "high") {
			t.Errorf("a slide of 40 lines was not reported as too high: %q", p)
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
			t.Fatal(err)
		}
		if p := slideProblems(ctx, t, 1); len(p) == 0 || !strings.Contains(strings.Join(p, " "), "wide") {
			t.Errorf("a code line of 600 characters was not reported as too wide: %q", p)
		}
		seen.take()
	})

	t.Run("print", func(t *testing.T) {
		d := site.Decks[1]
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+d.Name+".html"), chromedp.WaitReady(chromedp.CSS("body.deck"))); err != nil {
			t.Fatal(err)
		}
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
		if err != nil {
			t.Fatal(err)
		}
		pages := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page\r")) +
			bytes.Count(pdf, []byte("/Type /Page/")) + bytes.Count(pdf, []byte("/Type /Page>")) + bytes.Count(pdf, []byte("/Type /Page "))
		if pages != len(d.Slides) {
			t.Errorf("printing %s gives %d pages, want one per slide (%d)", d.Name, pages, len(d.Slides))
		}
		for _, dir := range shotDirs[1:] {
			_ = os.WriteFile(filepath.Join(dir, d.Name+".pdf"), pdf, 0o644)
		}
	})
	for name, want := range shots {
		if all {
			break
		}
		t.Errorf("no slide of %s holds %q to take a screenshot of", name, want)
	}
	t.Logf("screenshots in %s", strings.Join(shotDirs, " and "))
}

func expectCurrent(ctx context.Context, t *testing.T, want int) {
	t.Helper()
	cur, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.deck.current()`))
	if err != nil {
		t.Fatal(err)
	}
	if cur != want {
		t.Errorf("on slide %d, want %d", cur+1, want+1)
	}
}

// checkSlide checks that slide i is the one shown, alone, and that nothing
// in it overflows the 1280x720 viewport.
func checkSlide(ctx context.Context, t *testing.T, d *Deck, i int) {
	t.Helper()
	for _, p := range slideProblems(ctx, t, i) {
		t.Errorf("%s:%d (slide %d): %s", d.File, d.Slides[i].Line, i+1, p)
	}
}

// slideProblems measures the slide shown from the DOM and says what is wrong.
func slideProblems(ctx context.Context, t *testing.T, i int) []string {
	t.Helper()
	type result struct {
		Current int      `json:"current"`
		Active  int      `json:"active"`
		Visible int      `json:"visible"`
		Hash    string   `json:"hash"`
		Bad     []string `json:"bad"`
	}
	const js = `(() => {
	  const active = document.querySelectorAll('.slide.active');
	  const visible = Array.from(document.querySelectorAll('.slide')).filter(s => getComputedStyle(s).display !== 'none');
	  const bad = [];
	  const s = active[0];
	  if (s) {
	    const c = s.querySelector('.content');
	    if (c.scrollHeight > c.clientHeight + 1) bad.push('content is ' + c.scrollHeight + 'px high, the slide has room for ' + c.clientHeight);
	    if (c.scrollWidth > c.clientWidth + 1) bad.push('content is ' + c.scrollWidth + 'px wide, the slide has room for ' + c.clientWidth);
	    for (const el of c.querySelectorAll('pre, table, img, p, li, h1, h2, h3, div')) {
	      const r = el.getBoundingClientRect();
	      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
	        bad.push(el.tagName.toLowerCase() + ' content is ' + el.scrollWidth + 'px wide in ' + el.clientWidth + ': ' + el.textContent.slice(0, 50));
	      if (r.right > window.innerWidth + 1 || r.bottom > window.innerHeight + 1)
	        bad.push(el.tagName.toLowerCase() + ' reaches ' + Math.round(r.right) + 'x' + Math.round(r.bottom) + ' in a ' + window.innerWidth + 'x' + window.innerHeight + ' window: ' + el.textContent.slice(0, 50));
	    }
	  }
	  return {current: window.deck.current(), active: active.length, visible: visible.length, hash: location.hash, bad: bad};
	})()`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[result](js))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if res.Current != i || res.Active != 1 || res.Visible != 1 || res.Hash != fmt.Sprintf("#%d", i+1) {
		out = append(out, fmt.Sprintf("showing slide %d (%d active, %d visible, hash %q): the keyboard did not move one slide", res.Current+1, res.Active, res.Visible, res.Hash))
	}
	for _, b := range res.Bad {
		out = append(out, "overflows: "+b)
	}
	return out
}

func notesVisible(ctx context.Context, t *testing.T) bool {
	t.Helper()
	vis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`(() => { const n = document.querySelector('.slide.active .notes'); return !!n && getComputedStyle(n).display !== 'none' && n.getBoundingClientRect().height > 0; })()`))
	if err != nil {
		t.Fatal(err)
	}
	return vis
}
