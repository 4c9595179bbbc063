package slides

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	courseslides "github.com/mlops-lab/mlops-lab/slides"
)

// RepoURL is where links to the project's other files point in the rendered
// pages (a README's link to docs/, a deck's link to source code), since the
// site carries only the decks and the labs' instructions.
const RepoURL = "https://github.com/mlops-lab/mlops-lab/blob/main/"

//go:embed assets
var assets embed.FS

// Site is every page of the course's slides and lab instructions, rendered.
type Site struct {
	Decks []*Deck
	Labs  []*labs.Lab
	cat   *labs.Catalogue
	files map[string][]byte
}

// Default renders the decks embedded in the binary and the labs of its
// catalogue.
func Default() (*Site, error) {
	cat, err := labs.Default()
	if err != nil {
		return nil, err
	}
	return New(courseslides.Files, cat)
}

// New renders the decks of deckFS (its img/ folder holds their images) and
// the READMEs of the catalogue's labs.
func New(deckFS fs.FS, cat *labs.Catalogue) (*Site, error) {
	decks, err := LoadDecks(deckFS)
	if err != nil {
		return nil, err
	}
	s := &Site{Decks: decks, Labs: cat.Labs(), cat: cat, files: map[string][]byte{}}
	if err := s.copyTree(assets, "assets", "assets"); err != nil {
		return nil, err
	}
	if _, err := fs.Stat(deckFS, "img"); err == nil {
		if err := s.copyTree(deckFS, "img", "img"); err != nil {
			return nil, err
		}
	}
	for _, d := range decks {
		page, err := s.renderDeck(d)
		if err != nil {
			return nil, err
		}
		s.files[d.Name+".html"] = page
	}
	for _, l := range s.Labs {
		readme, err := cat.README(l)
		if err != nil {
			return nil, fmt.Errorf("reading %s's README: %w", l.ID, err)
		}
		page, err := s.renderLab(l, readme)
		if err != nil {
			return nil, err
		}
		s.files["labs/"+l.ID+".html"] = page
	}
	index, err := s.renderIndex()
	if err != nil {
		return nil, err
	}
	s.files["index.html"] = index
	return s, nil
}

func (s *Site) copyTree(fsys fs.FS, root, to string) error {
	return fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s.files[path.Join(to, strings.TrimPrefix(p, root+"/"))] = b
		return nil
	})
}

// Paths lists every file of the site, sorted.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// File returns one file of the site by its path ("lab3.html", "img/x.svg").
func (s *Site) File(p string) ([]byte, bool) {
	b, ok := s.files[p]
	return b, ok
}

// DeckPage resolves a deck name as a user types it ("intro", "lab3", "3",
// "lab03" or the lab's folder name) to its page, e.g. "lab3.html".
func (s *Site) DeckPage(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "intro" || n == "introduction" || n == "0" || n == "lab0" {
		n = "intro"
	} else {
		if l, err := s.cat.Find(n); err == nil {
			n = l.ID
		}
	}
	for _, d := range s.Decks {
		if d.Name == n {
			return d.Name + ".html", nil
		}
	}
	var names []string
	for _, d := range s.Decks {
		names = append(names, d.Name)
	}
	return "", fmt.Errorf("no deck named %q; the decks are: %s", name, strings.Join(names, ", "))
}

// markdown renders Markdown with GitHub's extensions, rewriting relative
// links: from (the source file's folder in the repository) says what they
// are relative to, page (the page's folder in the site) where they end up.
func (s *Site) markdown(src, from, page string) (template.HTML, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(&linkRewriter{site: s, from: from, page: page}, 100)),
		),
		// The Markdown is the project's own: raw HTML in it is allowed.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// linkRewriter points the links and images of a page at the site's own
// pages where the site has them and at the repository otherwise.
type linkRewriter struct {
	site       *Site
	from, page string
}

func (r *linkRewriter) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			v.Destination = []byte(r.site.rewrite(string(v.Destination), r.from, r.page))
		case *ast.Image:
			v.Destination = []byte(r.site.rewrite(string(v.Destination), r.from, r.page))
		}
		return ast.WalkContinue, nil
	})
}

// rewrite maps one link target; see markdown.
func (s *Site) rewrite(dest, from, page string) string {
	u, err := url.Parse(dest)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
		return dest
	}
	repoPath := path.Clean(path.Join(from, u.Path))
	target := ""
	switch {
	case strings.HasPrefix(repoPath, "slides/img/"):
		target = strings.TrimPrefix(repoPath, "slides/")
	case strings.HasPrefix(repoPath, "slides/") && path.Ext(repoPath) == ".md":
		for _, d := range s.Decks {
			if "slides/"+d.File == repoPath {
				target = d.Name + ".html"
			}
		}
	case strings.HasPrefix(repoPath, "labs/") && path.Base(repoPath) == "README.md":
		for _, l := range s.Labs {
			if repoPath == "labs/"+l.Folder+"/README.md" {
				target = "labs/" + l.ID + ".html"
			}
		}
	}
	if target == "" {
		if strings.HasPrefix(repoPath, "..") {
			return dest
		}
		return RepoURL + repoPath + fragment(u)
	}
	rel := target
	if page != "" && page != "." {
		// Pages sit at most one folder deep.
		rel = "../" + target
		if strings.HasPrefix(target, page+"/") {
			rel = strings.TrimPrefix(target, page+"/")
		}
	}
	return rel + fragment(u)
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.Fragment
}

type slideView struct {
	N     int
	Body  template.HTML
	Notes template.HTML
}

func (s *Site) renderDeck(d *Deck) ([]byte, error) {
	var views []slideView
	for i, sl := range d.Slides {
		body, err := s.markdown(sl.Body, "slides", ".")
		if err != nil {
			return nil, fmt.Errorf("slides: %s:%d: %w", d.File, sl.Line, err)
		}
		notes, err := s.markdown(sl.Notes, "slides", ".")
		if err != nil {
			return nil, fmt.Errorf("slides: %s:%d: notes: %w", d.File, sl.Line, err)
		}
		views = append(views, slideView{N: i + 1, Body: body, Notes: notes})
	}
	var lab *labs.Lab
	for _, l := range s.Labs {
		if l.Number == d.Number {
			lab = l
		}
	}
	var b bytes.Buffer
	err := deckTemplate.Execute(&b, map[string]any{"Deck": d, "Slides": views, "Lab": lab})
	return b.Bytes(), err
}

func (s *Site) renderLab(l *labs.Lab, readme []byte) ([]byte, error) {
	body, err := s.markdown(string(readme), "labs/"+l.Folder, "labs")
	if err != nil {
		return nil, fmt.Errorf("rendering %s's README: %w", l.ID, err)
	}
	deck := ""
	for _, d := range s.Decks {
		if d.Number == l.Number {
			deck = "../" + d.Name + ".html"
		}
	}
	var b bytes.Buffer
	err = labTemplate.Execute(&b, map[string]any{"Lab": l, "Body": body, "Deck": deck})
	return b.Bytes(), err
}

func (s *Site) renderIndex() ([]byte, error) {
	var b bytes.Buffer
	err := indexTemplate.Execute(&b, map[string]any{"Decks": s.Decks, "Labs": s.Labs})
	return b.Bytes(), err
}

var deckTemplate = template.Must(template.New("deck").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Deck.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/slides.css">
</head>
<body class="deck">
<main id="slides">
{{range .Slides}}<section class="slide" id="slide-{{.N}}" data-n="{{.N}}">
<div class="content">
{{.Body}}
</div>
{{if .Notes}}<aside class="notes">
{{.Notes}}
</aside>{{end}}
</section>
{{end}}</main>
<nav class="bar"><a href="index.html">All decks</a>{{if .Lab}} · <a href="labs/{{.Lab.ID}}.html">Lab {{.Lab.Number}} instructions</a>{{end}} · <span class="keys">← → space: move · s: notes</span> <span id="counter"></span></nav>
<script src="assets/slides.js"></script>
</body>
</html>
`))

var labTemplate = template.Must(template.New("lab").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lab {{.Lab.Number}}: {{.Lab.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../assets/page.css">
</head>
<body>
<nav class="top"><a href="../index.html">All decks and labs</a>{{if .Deck}} · <a href="{{.Deck}}">Lab {{.Lab.Number}} slides</a>{{end}}</nav>
<article>
{{.Body}}
</article>
</body>
</html>
`))

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlops-lab: slides and labs</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/page.css">
</head>
<body>
<article>
<h1>mlops-lab: slides and labs</h1>
<p>Arrow keys or space move through a deck, <kbd>s</kbd> shows the speaker notes, and printing a deck gives one slide per page.</p>
<h2>Decks</h2>
<ul class="decks">
{{range .Decks}}<li><a href="{{.Name}}.html">{{.Title}}</a> ({{len .Slides}} slides)</li>
{{end}}</ul>
<h2>Lab instructions</h2>
<ul class="labs">
{{range .Labs}}<li><a href="labs/{{.ID}}.html">Lab {{.Number}}: {{.Title}}</a></li>
{{end}}</ul>
</article>
</body>
</html>
`))
