"""What the fallback renderer hands pandoc and Typst besides the text: headers and Lua filters."""

# crossref.py already wrote "Figure N:"/"Table N:" into the captions; Typst's own
# counter would print a second number in front of them. Hyphenation is off so that
# text extracted from the PDF (checks, tests) never reads "Fig- ure 3".
# Long tables must break across pages (a figure block does not by default and would overflow the
# page), and wide results tables need a smaller font than the prose to fit the text width, set
# ragged (justified cells spread short labels across the cell). A caption
# is sticky: it moves to the next page with its table instead of ending a page alone.
TYPST_HEADER = ("#set figure(numbering: none)\n#set text(hyphenate: false)\n"
                 "#show figure: set block(breakable: true)\n#show table: set text(size: 8pt)\n"
                 "#show table: set par(justify: false)\n"
                 "#show figure.caption: it => block(sticky: true, it)\n"
                 "#set table(inset: (x: 3pt, y: 4pt))\n")

# Typst reads "#emph[a].b" as a field access on the emphasis; pandoc 3.9 escapes
# "(" and "[" after such calls but not ".", which citeproc output (e.g. an italic
# book title followed by ".") can trigger.
TYPST_DOT_FILTER = """
local calls = {Emph = true, Strong = true, Strikeout = true, Superscript = true,
               Subscript = true, SmallCaps = true, Underline = true, Link = true,
               Span = true, Cite = true}
function Inlines(inlines)
  for i = #inlines - 1, 1, -1 do
    local following = inlines[i + 1]
    if calls[inlines[i].t] and following.t == "Str" and following.text:sub(1, 1) == "." then
      inlines:insert(i + 1, pandoc.RawInline("typst", "\\\\"))
    end
  end
  return inlines
end
"""

# Quarto's conditional content (.content-visible/.content-hidden with when-format/unless-format; "html"
# matches pandoc's html writers, "pdf" and "typst" the Typst one) and figure divs (::: {#fig-x} holding
# any content, the last paragraph its caption, already numbered by crossref.py) as pandoc figures.
FORMAT_FILTER = """
local function matches(name)
  if name == "html" then return FORMAT:match("^html") ~= nil end
  if name == "pdf" or name == "typst" then return FORMAT == "typst" end
  return FORMAT == name
end
local function shown(el)
  local when, unless = el.attributes["when-format"], el.attributes["unless-format"]
  local match = true
  if when then match = matches(when) elseif unless then match = not matches(unless) end
  if el.classes:includes("content-hidden") then return not match end
  return match
end
-- The element's content where its format condition holds, nothing where it does not, and nil
-- (left as it is) for an element without a condition.
local function conditional(el)
  if not (el.classes:includes("content-visible") or el.classes:includes("content-hidden")) then return nil end
  if shown(el) then return el.content end
  return {}
end
Span = conditional
function Div(el)
  local kept = conditional(el)
  if kept then return kept end
  if el.identifier:match("^fig%-") and #el.content > 1 and el.content[#el.content].t == "Para" then
    local body = pandoc.List()
    for i = 1, #el.content - 1 do body:insert(el.content[i]) end
    return pandoc.Figure(body, {pandoc.Plain(el.content[#el.content].content)}, el.attr)
  end
end
"""

# Quarto's look is Bootstrap; these few rules keep pandoc's default page readable
# with figures and tables laid out the way Quarto places them.
# What Quarto's toc-location, grid and lightbox options give its HTML (report/_quarto.yml): a text
# column wide enough for the tables (pandoc's default is 36em), the contents kept beside the text
# on wide screens, and a figure that fills the window on click (and back on a second click).
HTML_HEADER = """<style>
body { max-width: 60em; }
@media (min-width: 82em) {
  body { margin-left: 20em; }
  nav#TOC { position: fixed; top: 0; left: 0; width: 17em; height: 100vh; overflow-y: auto;
            padding: 1em; box-sizing: border-box; font-size: 0.85em; border-right: 1px solid #ddd; }
}
figure { margin: 1.5em auto; text-align: center; }
figure img { max-width: 100%; height: auto; cursor: zoom-in; }
figure img.enlarged { position: fixed; inset: 0; margin: auto; max-width: 96vw; max-height: 96vh;
                      z-index: 10; background: #fff; box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.6); cursor: zoom-out; }
figcaption, table caption { font-size: 0.9em; text-align: left; margin: 0.4em 0; }
table { margin: 1.5em auto; border-collapse: collapse; }
table caption { caption-side: top; }
th, td { padding: 0.25em 0.75em; }
thead th { border-bottom: 1px solid #444; }
</style>
<script>
document.addEventListener("click", function (event) {
  if (event.target.matches("figure img")) { event.target.classList.toggle("enlarged"); }
});
</script>
"""
