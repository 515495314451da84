#!/usr/bin/env python3
"""Writes the sample PDFs in samples/ from the original text below (standard library only).

The PDFs are built object by object: one Helvetica (base-14, WinAnsiEncoding) text font and its
bold face, uncompressed content streams, a running header and a "Page N of M" footer on every
page, and a few words deliberately hyphenated across a line end, so that ingestion has real
clean-up work to do. The output is deterministic; re-running reproduces the committed files.

Usage: scripts/make_samples.py [--out samples]
"""

import argparse
import os
import re

# Helvetica advance widths (1/1000 em) for WinAnsi codes 32..126, from the standard AFM metrics.
HELVETICA_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p..~
]
# Bold is wider; an average factor keeps the wrapping honest without a second table.
BOLD_FACTOR = 1.08

PAGE_WIDTH, PAGE_HEIGHT = 420, 595  # A5 in points: small pages, so each text spans several
LEFT, RIGHT = 54, 366
TOP_BODY, BOTTOM_BODY = 525, 60
HEADER_Y, FOOTER_Y = 560, 30
BODY_SIZE, BODY_LEADING = 11, 15
HEADING_SIZE, HEADING_LEADING = 13, 20


def text_width(text, size, bold=False):
    total = 0
    for ch in text.encode("cp1252"):
        total += HELVETICA_WIDTHS[ch - 32] if 32 <= ch <= 126 else 556
    return total * size / 1000 * (BOLD_FACTOR if bold else 1)


def pdf_string(text):
    raw = text.encode("cp1252")
    out = bytearray(b"(")
    for byte in raw:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte < 32 or byte > 126:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b")")


def wrap(paragraph, size, width):
    """Greedy line filling. "{-}" inside a word forces a hyphenated line break there."""
    lines, current = [], ""
    for word in paragraph.split():
        pieces = word.split("{-}")
        for index, piece in enumerate(pieces):
            forced_break = index < len(pieces) - 1
            candidate = piece if not current else current + (" " if index == 0 else "") + piece
            if current and index == 0 and text_width(candidate, size) > width:
                lines.append(current)
                candidate = piece
            if forced_break:
                lines.append(candidate + "-")
                current = ""
            else:
                current = candidate
    if current:
        lines.append(current)
    return lines


def layout(blocks, header):
    """Turns (kind, text) blocks into pages of (font, size, x, y, text) runs."""
    pages, runs, y = [], [], TOP_BODY
    for kind, text in blocks:
        if kind == "pagebreak":
            pages.append(runs)
            runs, y = [], TOP_BODY
            continue
        bold = kind == "heading"
        size = HEADING_SIZE if bold else BODY_SIZE
        leading = HEADING_LEADING if bold else BODY_LEADING
        lines = [text] if bold else wrap(text, size, RIGHT - LEFT)
        needed = leading + (2 * BODY_LEADING if bold else 0)  # keep a heading with two lines of its text
        if y - needed < BOTTOM_BODY:
            pages.append(runs)
            runs, y = [], TOP_BODY
        for line in lines:
            if y < BOTTOM_BODY:
                pages.append(runs)
                runs, y = [], TOP_BODY
            runs.append(("F2" if bold else "F1", size, LEFT, y, line))
            y -= leading
        y -= 8  # paragraph gap
    if runs:
        pages.append(runs)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        page.append(("F1", 9, LEFT, HEADER_Y, header))
        footer = f"Page {number} of {total}"
        page.append(("F1", 9, RIGHT - text_width(footer, 9), FOOTER_Y, footer))
    return pages


def content_stream(runs):
    parts = []
    for font, size, x, y, text in runs:
        parts.append(b"BT /%s %d Tf %.2f %.2f Td %s Tj ET" % (font.encode(), size, x, y, pdf_string(text)))
    return b"\n".join(parts) + b"\n"


def write_pdf(path, title, author, pages):
    objects = []  # index i holds object number i + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_id = add(None)
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    info = add(b"<< /Title %s /Author %s /Producer (docent scripts/make_samples.py) >>" % (pdf_string(title), pdf_string(author)))
    page_ids = []
    for runs in pages:
        stream = content_stream(runs)
        contents = add(b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream))
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                            % (pages_id, PAGE_WIDTH, PAGE_HEIGHT, contents, regular, bold)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    kids = b" ".join(b"%d 0 R" % page for page in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    with open(path, "wb") as handle:
        handle.write(out)
    return len(pages)


def parse_source(source):
    """Blocks from a tiny markup: '# ' headings, blank-line paragraphs, '---' page breaks."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", source.strip()):
        chunk = chunk.strip()
        if chunk == "---":
            blocks.append(("pagebreak", ""))
        elif chunk.startswith("# "):
            blocks.append(("heading", chunk[2:].strip()))
        else:
            blocks.append(("paragraph", " ".join(chunk.split())))
    return blocks


LIGHTHOUSE = """
# Tarrow Point Light: A Keeper's Field Guide

This guide is for the volunteer keepers of the Tarrow Point Light, the white stone tower that has
marked the southern edge of Merrow Sound since it was first lit on 3 November 1871. The light is no
longer needed by commercial shipping, which relies on satellite navigation, but it remains a listed
aid to navigation for small craft, and the Tarrow Point Light Trust keeps it working exactly as a
full-time keeper would have done. Nothing in this guide replaces the safety briefing every new
volunteer receives; it is a reminder of what to do, in what order, and why.

The tower is 34 metres tall from the rock to the weather vane. There are 212 steps between the
ground-floor store and the lantern gallery, with landings at the oil room, the watch room and the
service room. The focal plane of the light sits 41 metres above mean high water, which together
with the lamp gives the light its nominal range of 19 nautical miles in clear weather.

# The lens and the lamp

The optic is a second-order Fresnel lens made in 1871, with eight bull's-eye panels arranged around
a central lamp. Each panel gathers the light into a narrow beam, so a ship sees a flash each time a
panel sweeps past. The lens turns once every 80 seconds, which gives the published character of the
light: one white flash every 10 seconds. If a keeper ever times the interval at anything other than
ten seconds, the rotation machinery needs attention before nightfall.

The original lamp burned colza oil and later paraffin. Electric light arrived in 1958, and the
present lamp, a 1000-watt metal halide unit, was fitted in 1994. A spare lamp is kept in the pad{-}ded
box in the service room and must be replaced after every change. Never touch the glass envelope of a
new lamp with bare fingers: the oil from skin shortens its life considerably, and the lamp costs the
Trust more than a month of visitor donations.

Clean the lens every Monday morning. Use distilled water with a small amount of isopropyl alcohol,
about one part in five, and the soft cotton cloths from the lens cupboard, never paper towels, which
scratch the prisms. Work from the top tier of prisms downwards so that drips fall on surfaces you
have not yet cleaned. The lens curtains must be drawn across the lantern windows on every sunny day
from the first of April to the end of September; a Fresnel lens focuses sunlight as well as
lamplight and can scorch the lamp holder or even start a fire inside the lantern.

# The rotation machinery

The lens floats on a bath of mercury, which lets a weight of several tonnes turn with very little
effort. Since 2011 the mercury bath has been sealed under a cover that must not be opened by
volunteers; any sign of grey droplets on the pedestal must be reported to the duty officer at once
and the room closed. The clockwork drive that turns the lens is the original one. Its falling weight
of 140 kilograms hangs in the central shaft of the tower and must be wound back up every four hours
while the light is in service. A full winding takes about six minutes and 96 turns of the crank.

An electric motor was added in 1994 as a standby drive. It starts automatically if the clockwork
weight reaches the bottom of the shaft, and a buzzer in the watch room sounds at the same time. The
standby motor is meant for emergencies only: the Trust's policy is that the light turns by
clockwork on every night a volunteer is on duty, because the mechanism lasts longer when it is used
and the visitors come to see it working.

# The fog signal

The fog signal house stands 60 metres west of the tower. The present compressed-air horn dates from
1936 and sounds two blasts every 30 seconds in fog: a high note of two seconds followed by a low note
of three seconds. The two compressors are run alternately, so each one works one week in two, and
the receiver tank must be drained of condensed water before every start. Visibility below two
nautical miles is the signal to start the horn; keepers judge it by whether the Gannet Rock beacon,
which is exactly two nautical miles away, can be seen from the gallery.

Record every start and stop of the fog signal in the logbook with the time, the reason and your
initials. The local harbour authority inspects these entries once a year and compares them with the
weather records, so an entry that says only "fog" is not enough. Write down how far you could see.

# Daily, weekly and yearly duties

Each evening the duty keeper lights the lamp thirty minutes before sunset, checks the flash
interval with a stopwatch, and winds the clockwork. Each morning the lamp is switched off thirty
minutes after sunrise and the lens curtains are drawn. The weekly routine adds the Monday lens
cleaning, a test of the standby motor on Wednesdays, and a check of the emergency batteries on
Fridays. The batteries must show at least 25.2 volts on the meter; anything lower means a call to
the Trust's electrician.

Once a month the brass fittings of the lantern are polished, the gallery railings are inspected for
rust, and the lightning conductor is checked for loose clamps. Once a year, in the second week of
October, the whole optic is inspected by the Trust's engineer, the mercury level is measured, and
the clockwork is cleaned and oiled. The tower is closed to visitors during that week, and the light
is shown from the standby lamp on the gallery.

# Safety and the logbook

Two people must be in the tower whenever anyone is in the lantern or on the gallery. The gallery is
closed to everyone when the wind exceeds 45 knots, as measured by the anemometer on the watch-room
wall. Harnesses are clipped to the gallery rail at all times, and tools are carried up in the canvas
bag, never in pockets.

The logbook is the most important document in the tower. It records the lighting and extinguishing
times, every winding of the clockwork, all maintenance, all visitors who go above the watch room,
and any vessel seen in difficulty. The first keeper, Elias Penrose, began the tradition of noting the
weather at every entry, and the Trust has kept that practice without a break since 1871. Completed
logbooks go to the county record office every January.

# Contacts

In an emergency at sea, call the coastguard first and the Trust second. For faults in the light,
call the duty officer, whose number is posted inside the watch-room door. Volunteers should know
that the light must never be left dark at night: if the main lamp fails and cannot be replaced, the
standby lamp on the gallery is switched on and the harbour authority is told within one hour so that
a notice to mariners can be issued. Small-boat sailors depend on the light's main{-}tenance schedule
being kept to the letter, and they notice when it is not.
"""

TRAMWAYS = """
# The Brennmoor Tramways, 1889 to 1974: A Short History

For eighty-five years the trams of Brennmoor were the way the city moved. They carried mill workers
to the river wharves, families to the summer gardens at Lindholt, and students up the long hill to
the university. This short history follows the network from its first horse cars to the last
night of service, drawing on the company minute books held by the Brennmoor City Archive and on
interviews with former drivers and conductors recorded in the 1990s.

# Horse cars

The Brennmoor Street Railway Company was founded in 1887 by a group of merchants led by the brewer
Anton Velsk, who wanted a cheaper way to move his workers than the omnibuses of the time. Its first
line opened on 14 May 1889 and ran for 3.2 kilometres from the railway station to Market Square and
on to the Velsk brewery gates. The company began with six cars, each pulled by two horses, and kept
forty horses in stables on Kessel Lane. A single fare cost two pfennig-groschen, a coin the city
minted only for the trams and that collectors now prize.

By 1895 the horse network had grown to four lines and 11 kilometres. Winters were the great
difficulty: snow on the rails made the cars hard to pull, and the company often had to add a third
horse on the hill to the university. The minute books record that in the hard winter of 1893 the
horses ate more than the company earned.

# Electrification

Electric traction came in 1902, when the city bought the company and hired the engineer Margit
Hollander to convert the network. Hollander chose an overhead line at 550 volts direct current,
supplied from a new power station on the river at Ostkai. The first electric car ran on 2 August
1902, and the last horse car was retired eighteen months later. Hollander also designed the red and
cream livery that Brennmoor trams kept until the end, and she insisted that every car carry its
route number in white on a black board above the driver, a rule that was never broken.

The Kessel Lane stables were rebuilt as the main depot, with space for 60 cars under cover. A second
depot was opened at Lindholt in 1911. Between 1902 and 1914 the city extended the lines to the new
suburbs in the north and east, and by the outbreak of war the network had seven routes.

# The great years

The tramways reached their greatest size in 1931, with 11 routes, 48 kilometres of track and 96
cars in service. The busiest line was Route 7, which followed the river from Ostkai to the Lindholt
gardens and on summer Sundays carried more than 20,000 passengers a day. The steepest was Route 4 up
University Hill, with a gradient of one in twelve; cars on that route were fitted with an extra
track brake, and drivers needed a separate certificate to work it.

Conductors collected fares and rang the bell; drivers were forbidden to speak to passengers while
the car was moving. In 1924 the city appointed its first women drivers, and by 1931 a quarter of
all tram staff were women. The tramway band, formed in 1920 by the staff of Kessel Lane depot,
played every year at the opening of the Lindholt gardens and still exists today as the Brennmoor
Transport Band.

# Fire and war

On the night of 9 March 1947 a fire broke out in the paint shop of Kessel Lane depot. It spread
quickly through the wooden roof, and by morning 23 cars had been destroyed, almost a quarter of the
fleet. The cause was never established, although the inquiry criticised the storage of paint and
thinners next to the car sheds. The city replaced the lost cars with twelve second-hand cars bought
from another city and with eight new cars built locally by the Ostkai Wagon Works, the last trams
ever built in Brennmoor.

The war years had already left the network worn out. Track renewal had stopped in 1939, and many
cars had run for a decade without a proper overhaul. After the fire, the council began to ask
whether buses would be cheaper, and in 1953 it decided that no more track would be laid.

# Decline and closure

Closure came slowly, route by route. Route 9 to the northern suburbs was the first to be replaced
by buses, in 1956. Route 7 along the river, once the pride of the network, closed in 1968 when the
river road was widened. By 1972 only Routes 3 and 4 remained, and the council set the final date
for the end of the summer timetable.

The last tram in Brennmoor ran on 30 September 1974 on Route 3, from Market Square to the station,
the same streets the first horse car had taken eighty-five years earlier. Car number 41, built in
1912, was driven by Ilse Marten, who had joined the tramways as a conductor in 1936. Thousands of
people lined the route, and the Transport Band played at the station as the car arrived.

# What remains

Car 41 was saved by the Brennmoor Tramway Society, founded in 1975, and after a restoration that
took eleven years it now stands in the Kessel Lane depot, which the city turned into a transport
museum in 1989, exactly a century after the first horse cars ran. A short stretch of track has been
relaid in the museum yard, and on the second Sunday of each month car 41 runs for visitors under
its own power, fed from a small rectifier that converts the mains supply to 550 volts. The museum
also keeps the company minute books, a set of fare boxes, and one of Margit Hollander's original
drawings for the overhead line. Visitors who ride car 41 are often surprised by how quiet it is.
Rails still show through the asphalt in a few streets of the old town, and the cast-iron poles that
once carried the overhead wire now hold street lamps along the river. An electri{-}fication plaque
on the Ostkai power station, now an arts centre, records the date of the first electric service.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "samples"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    documents = [
        ("tarrow-point-light.pdf", "Tarrow Point Light: A Keeper's Field Guide", "Tarrow Point Light Trust",
         "Tarrow Point Light Trust - Keeper's Field Guide", LIGHTHOUSE),
        ("brennmoor-tramways.pdf", "The Brennmoor Tramways, 1889 to 1974", "Brennmoor Tramway Society",
         "Brennmoor Tramway Society - A Short History", TRAMWAYS),
    ]
    for file_name, title, author, header, source in documents:
        pages = layout(parse_source(source), header)
        count = write_pdf(os.path.join(args.out, file_name), title, author, pages)
        print(f"{file_name}: {count} pages")


if __name__ == "__main__":
    main()
