// Package slides turns the course's Markdown decks (the slides/ folder) and
// the labs' READMEs into HTML: a page per deck with keyboard navigation,
// speaker notes and print styles, a page per lab, and an index. The same
// pages are served on loopback (`mlops-lab slides`) or written out as a
// static site (`mlops-lab slides --export DIR`).
//
// The charts in slides/img are made from the course's own data sets by the
// generator in ./gencharts; run `go generate ./internal/slides/` after
// changing it.
package slides

//go:generate go run ./gencharts -out ../../slides/img

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Deck is one Markdown deck split into slides.
type Deck struct {
	// Name is what the deck is served and exported as: "intro", "lab1", ...
	Name string
	// File is the deck's file name in slides/, e.g. "03-windows.md".
	File string
	// Number is the lab the deck belongs to; 0 for the introduction.
	Number int
	// Title is the first heading of the first slide.
	Title  string
	Slides []Slide
}

// Slide is one slide's Markdown and its speaker notes (Markdown too).
type Slide struct {
	Body  string
	Notes string
	// Line is where the slide starts in the deck's file (1-based), for errors.
	Line int
}

// deckFile matches the decks' file names: a two-digit number, a dash, a name.
var deckFile = regexp.MustCompile(`^([0-9]{2})-[a-z0-9-]+\.md$`)

// LoadDecks reads every deck of fsys (files named NN-name.md at its root;
// 00 is the introduction, NN the deck of lab NN), in number order.
func LoadDecks(fsys fs.FS) ([]*Deck, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("reading the decks: %w", err)
	}
	var decks []*Deck
	seen := map[int]string{}
	for _, e := range entries {
		m := deckFile.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if prev, ok := seen[n]; ok {
			return nil, fmt.Errorf("slides: %s and %s both have number %02d", prev, e.Name(), n)
		}
		seen[n] = e.Name()
		src, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.Name(), err)
		}
		d, err := ParseDeck(e.Name(), src)
		if err != nil {
			return nil, err
		}
		decks = append(decks, d)
	}
	sort.Slice(decks, func(i, j int) bool { return decks[i].Number < decks[j].Number })
	return decks, nil
}

// ParseDeck splits a deck's Markdown into slides: a line holding only `---`
// (outside a fenced code block) ends a slide, and a line starting with
// `Note:` starts the slide's speaker notes, which run to the slide's end.
func ParseDeck(file string, src []byte) (*Deck, error) {
	m := deckFile.FindStringSubmatch(path.Base(file))
	if m == nil {
		return nil, fmt.Errorf("slides: %s: a deck's file name is NN-name.md (00 for the introduction, the lab's number otherwise)", file)
	}
	n, _ := strconv.Atoi(m[1])
	d := &Deck{File: path.Base(file), Number: n, Name: "intro"}
	if n > 0 {
		d.Name = fmt.Sprintf("lab%d", n)
	}
	var body, notes strings.Builder
	inNotes, fence := false, ""
	start := 1
	flush := func(next int) {
		s := Slide{Body: strings.TrimSpace(body.String()), Notes: strings.TrimSpace(notes.String()), Line: start}
		if s.Body != "" || s.Notes != "" {
			d.Slides = append(d.Slides, s)
		}
		body.Reset()
		notes.Reset()
		inNotes = false
		start = next
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			fence = trimmed[:3]
		} else if fence != "" && strings.HasPrefix(trimmed, fence) {
			fence = ""
		} else if fence == "" && trimmed == "---" {
			flush(line + 1)
			continue
		} else if fence == "" && !inNotes && strings.HasPrefix(text, "Note:") {
			inNotes = true
			text = strings.TrimSpace(strings.TrimPrefix(text, "Note:"))
		}
		if inNotes {
			notes.WriteString(text + "\n")
		} else {
			body.WriteString(text + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("slides: %s: %w", file, err)
	}
	if fence != "" {
		return nil, fmt.Errorf("slides: %s: a code block opened with %s is never closed", file, fence)
	}
	flush(line + 1)
	if len(d.Slides) == 0 {
		return nil, fmt.Errorf("slides: %s has no slides", file)
	}
	for _, l := range strings.Split(d.Slides[0].Body, "\n") {
		if strings.HasPrefix(l, "# ") {
			d.Title = strings.TrimSpace(strings.TrimPrefix(l, "# "))
			break
		}
	}
	if d.Title == "" {
		return nil, fmt.Errorf("slides: %s:%d: the first slide needs a `# Title` line", file, d.Slides[0].Line)
	}
	return d, nil
}
