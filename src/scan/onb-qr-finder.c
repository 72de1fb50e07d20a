/* onb-qr-finder.c: where QR codes may be in a frame, cheaply
 *
 * A row is binarised against its own moving average (a label under a lamp
 * and one in the shade are both found), its runs are checked for the
 * finder's 1:1:3:1:1, and each hit is checked again down its column, which
 * removes most text and stripes. The cost is a few operations per pixel of
 * the rows looked at, a small fraction of one zbar pass.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <math.h>

#include "onb-qr-finder.h"

#define WINDOW       12     /* half-width of the moving average, pixels */
#define MAX_FINDERS  40     /* grouped into codes: the most often crossed */
#define MAX_SEEN     256    /* kept while looking: noise makes look-alikes */
#define MAX_RUNS_ROW 4096
#define MIN_CONTRAST 20     /* grey levels between a finder's centre and its ring */

/* Runs r[0..4], r[0] of the finder's outer colour: 1:1:3:1:1 within what
 * blur and pixel rounding do to a 1.25-px module. */
static gboolean
finder_ratio (const guint *r,
              double      *module)
{
  guint total = r[0] + r[1] + r[2] + r[3] + r[4];

  /* In integers (it runs at every run of every row looked at): a module
   * m = total / 7, r[i] within 0.4–1.9 m, the centre within 1.9–4.6 m. */
  if (total < 7)
    return FALSE;
  for (guint i = 0; i < 5; i++)
    if (i != 2 && (70 * r[i] < 4 * total || 70 * r[i] > 19 * total))
      return FALSE;
  if (70 * r[2] < 19 * total || 70 * r[2] > 46 * total)
    return FALSE;
  *module = total / 7.0;
  return TRUE;
}

/* Column check through (@x, @y): the same 1:1:3:1:1 vertically, centre of
 * colour @dark_centre below @threshold. Refines y and the module. */
static gboolean
check_column (const guint8 *luma,
              gsize         stride,
              guint         height,
              guint         x,
              guint         y,
              int           threshold,
              gboolean      dark_centre,
              double        module,
              OnbQrFinder  *finder)
{
  guint up[3] = { 0 }, down[3] = { 0 }, r[5];
  int limit = (int) ceil (module * 4) + 2;
  int centre_min = 255, ring_max = 0, outer_min = 255, beyond_max = 0;
  double m;

#define IS_CENTRE(v) (dark_centre ? (int) (v) < threshold : (int) (v) >= threshold)
  for (int dir = -1; dir <= 1; dir += 2)
    {
      guint *runs = dir < 0 ? up : down;
      int yy = (int) y + (dir > 0), k = 0, n = 0;

      for (; yy >= 0 && yy < (int) height && k < 3; yy += dir)
        {
          guint8 v = luma[(gsize) yy * stride + x];
          gboolean centre_colour = IS_CENTRE (v);
          gboolean want = (k % 2 == 0);   /* centre, ring, outer: c, !c, c */

          if (centre_colour != want)
            {
              k++;
              n = 0;
              if (k == 3)
                break;
            }
          runs[k]++;
          if (++n > limit)
            return FALSE;
          {
            int g = dark_centre ? v : 255 - v;

            if (k == 0)
              centre_min = MIN (centre_min, g);
            else if (k == 1)
              ring_max = MAX (ring_max, g);
            else
              outer_min = MIN (outer_min, g);
          }
        }
      if (k < 3)
        return FALSE;
      /* What lies beyond the outer ring: the quiet zone on one side. */
      for (int i = 0; i < (int) ceil (module) && yy >= 0 && yy < (int) height; i++, yy += dir)
        beyond_max = MAX (beyond_max, dark_centre ? luma[(gsize) yy * stride + x] : 255 - luma[(gsize) yy * stride + x]);
    }
#undef IS_CENTRE

  r[0] = up[2];
  r[1] = up[1];
  r[2] = up[0] + down[0];
  r[3] = down[1];
  r[4] = down[2];
  if (!finder_ratio (r, &m) || m < module * 0.5 || m > module * 2)
    return FALSE;

  finder->x = x + 0.5;
  finder->y = y - (double) up[0] + r[2] / 2.0 + 0.5;
  finder->module = (module + m) / 2;
  {
    int light = MAX (ring_max, beyond_max);

    /* Sensor noise on a plain surface makes runs of any ratio: a finder
     * is printed, with real contrast. */
    if (light - centre_min < MIN_CONTRAST)
      return FALSE;

    finder->softness = light > centre_min ? CLAMP ((double) (outer_min - centre_min) / (light - centre_min), 0, 1) : 1;
  }
  finder->inverted = !dark_centre;
  finder->hits = 1;
  return TRUE;
}

static void
add_finder (GArray            *finders,
            const OnbQrFinder *found)
{
  for (guint i = 0; i < finders->len; i++)
    {
      OnbQrFinder *f = &g_array_index (finders, OnbQrFinder, i);

      if (f->inverted == found->inverted && fabs (f->x - found->x) < 2 * f->module &&
          fabs (f->y - found->y) < 2 * f->module)
        {
          double w = f->hits;

          f->x = (f->x * w + found->x) / (w + 1);
          f->y = (f->y * w + found->y) / (w + 1);
          f->module = (f->module * w + found->module) / (w + 1);
          f->softness = MIN (f->softness, found->softness);
          f->hits++;
          return;
        }
    }
  if (finders->len == MAX_SEEN)
    {
      /* Full of look-alikes (noise, JPEG blocks): those crossed once that
       * the rows have passed are done, drop them. */
      guint kept = 0;

      for (guint i = 0; i < finders->len; i++)
        {
          const OnbQrFinder *f = &g_array_index (finders, OnbQrFinder, i);

          if (f->hits > 1 || f->y + 4 * f->module > found->y)
            g_array_index (finders, OnbQrFinder, kept++) = *f;
        }
      g_array_set_size (finders, kept);
    }
  if (finders->len < MAX_SEEN)
    g_array_append_val (finders, *found);
}

/* Below the mean of the pixels within WINDOW of it. */
static inline gboolean
is_dark (const guint8 *row,
         const guint  *sums,
         guint         width,
         guint         x)
{
  guint a = x > WINDOW ? x - WINDOW : 0, b = MIN (width, x + WINDOW + 1);

  return row[x] * (b - a) < sums[b] - sums[a];
}

static void
scan_row (const guint8 *luma,
          gsize         stride,
          guint         width,
          guint         height,
          guint         y,
          guint        *sums,
          guint        *runs,
          guint        *starts,
          GArray       *finders)
{
  const guint8 *row = luma + (gsize) y * stride;
  guint n_runs = 1, end = width;
  gboolean dark;

  /* Prefix sums for the moving average. */
  sums[0] = 0;
  for (guint x = 0; x < width; x++)
    sums[x + 1] = sums[x] + row[x];

  /* Where a pixel's darkness changes, a run starts; their lengths after. */
  dark = is_dark (row, sums, width, 0);
  starts[0] = 0;
  for (guint x = 1; x < width; x++)
    {
      gboolean d = x > WINDOW && x + WINDOW < width ? row[x] * (2 * WINDOW + 1) < sums[x + WINDOW + 1] - sums[x - WINDOW]
                                                    : is_dark (row, sums, width, x);

      if (d != dark)
        {
          if (n_runs == MAX_RUNS_ROW)
            {
              end = x;
              break;
            }
          starts[n_runs++] = x;
          dark = d;
        }
    }
  for (guint i = 0; i < n_runs; i++)
    runs[i] = (i + 1 < n_runs ? starts[i + 1] : end) - starts[i];

  for (guint i = 0; i + 5 <= n_runs; i++)
    {
      double module;
      guint cx;
      gboolean dark_centre;
      int threshold;
      OnbQrFinder finder;

      if (!finder_ratio (runs + i, &module))
        continue;
      cx = starts[i + 2] + runs[i + 2] / 2;
      {
        guint a = starts[i], b = starts[i + 4] + runs[i + 4];

        threshold = (int) ((sums[b] - sums[a]) / (b - a));
      }
      dark_centre = row[cx] < threshold;
      if (check_column (luma, stride, height, cx, y, threshold, dark_centre, module, &finder))
        add_finder (finders, &finder);
    }
}

/* Most hits first; among equals the larger (noise's look-alikes are a
 * pixel or two a module), then in the order found. */
static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const OnbQrFinder *fa = a, *fb = b;

  if (fa->hits != fb->hits)
    return fa->hits < fb->hits ? 1 : -1;
  return (fa->module < fb->module) - (fa->module > fb->module);
}

/* Rows that crossed a candidate's finders, on average: most first. */
static int
compare_crossings (gconstpointer a,
                   gconstpointer b)
{
  const OnbQrCandidate *ca = a, *cb = b;
  guint ha = 0, hb = 0;

  for (guint i = 0; i < ca->n_finders; i++)
    ha += ca->finders[i].hits;
  for (guint i = 0; i < cb->n_finders; i++)
    hb += cb->finders[i].hits;
  /* ha / na against hb / nb, in integers. */
  ha *= cb->n_finders;
  hb *= ca->n_finders;
  return (ha < hb) - (ha > hb);
}

static double
dist (const OnbQrFinder *a,
      const OnbQrFinder *b)
{
  return hypot (a->x - b->x, a->y - b->y);
}

/* How far from a QR corner the three are: 0 for a perfect one. */
static double
triple_score (const OnbQrFinder *c,
              const OnbQrFinder *a,
              const OnbQrFinder *b)
{
  double ax = a->x - c->x, ay = a->y - c->y, bx = b->x - c->x, by = b->y - c->y;
  double la = hypot (ax, ay), lb = hypot (bx, by), m = MIN (MIN (a->module, b->module), c->module);
  double mm = MAX (MAX (a->module, b->module), c->module), ma, mb, cosine;

  if (a->inverted != c->inverted || b->inverted != c->inverted || mm > 2.3 * m)
    return G_MAXDOUBLE;
  /* Versions 1 to about 20 (labels are small versions): 14 to 90 modules
   * between finder centres; a wider guess would cost zbar a large region. */
  ma = (c->module + a->module) / 2;
  mb = (c->module + b->module) / 2;
  if (la < 12 * ma || lb < 12 * mb || la > 100 * ma || lb > 100 * mb || MAX (la, lb) > 2.3 * MIN (la, lb))
    return G_MAXDOUBLE;
  cosine = (ax * bx + ay * by) / (la * lb);
  if (fabs (cosine) > 0.55)
    return G_MAXDOUBLE;
  /* A real finder is crossed by several rows; one crossed once is more
   * often a look-alike in the code's data. */
  return fabs (cosine) + fabs (log (la / lb)) + 0.3 * ((a->hits < 2) + (b->hits < 2) + (c->hits < 2));
}

static void
add_bounds (OnbQrCandidate    *candidate,
            const OnbQrFinder *f,
            double             margin)
{
  candidate->x0 = MIN (candidate->x0, f->x - margin);
  candidate->y0 = MIN (candidate->y0, f->y - margin);
  candidate->x1 = MAX (candidate->x1, f->x + margin);
  candidate->y1 = MAX (candidate->y1, f->y + margin);
}

GArray *
onb_qr_find_candidates (const guint8 *luma,
                        guint         width,
                        guint         height,
                        gsize         stride,
                        guint         row_step,
                        guint         max_candidates)
{
  GArray *candidates = g_array_new (FALSE, TRUE, sizeof (OnbQrCandidate));
  g_autoptr(GArray) finders = g_array_new (FALSE, FALSE, sizeof (OnbQrFinder));
  g_autofree guint *sums = g_new (guint, width + 1);
  g_autofree guint *runs = g_new (guint, MAX_RUNS_ROW);
  g_autofree guint *starts = g_new (guint, MAX_RUNS_ROW);
  g_autofree gboolean *used = NULL;      /* a triple's corner */
  g_autofree gboolean *in_triple = NULL; /* in a triple or a pair already */

  row_step = MAX (row_step, 1);
  for (guint y = row_step / 2; y < height; y += row_step)
    scan_row (luma, stride, width, height, y, sums, runs, starts, finders);

  /* Sensor noise and JPEG blocks make finder look-alikes crossed by one
   * row; a printed finder is crossed by several. */
  if (finders->len > MAX_FINDERS)
    {
      g_array_sort (finders, compare_hits);
      g_array_set_size (finders, MAX_FINDERS);
    }
  used = g_new0 (gboolean, finders->len);
  in_triple = g_new0 (gboolean, finders->len);
  /* Greedy: the best-shaped corner first. */
  while (candidates->len < max_candidates)
    {
      double best = G_MAXDOUBLE;
      guint bc = 0, ba = 0, bb = 0;
      OnbQrCandidate candidate = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
      const OnbQrFinder *f;

      for (guint c = 0; c < finders->len; c++)
        for (guint a = 0; a < finders->len; a++)
          for (guint b = a + 1; b < finders->len; b++)
            {
              double score;

              if (used[c] || used[a] || used[b] || a == c || b == c)
                continue;
              score = triple_score (&g_array_index (finders, OnbQrFinder, c), &g_array_index (finders, OnbQrFinder, a),
                                    &g_array_index (finders, OnbQrFinder, b));
              if (score < best)
                {
                  best = score;
                  bc = c;
                  ba = a;
                  bb = b;
                }
            }
      if (best == G_MAXDOUBLE)
        break;

      /* Only the corner is taken: a look-alike in a code's data can make
       * a neater corner with two real finders than the real one (under
       * perspective), and those two are then the legs of the next. */
      used[bc] = TRUE;
      in_triple[bc] = in_triple[ba] = in_triple[bb] = TRUE;
      candidate.finders[0] = g_array_index (finders, OnbQrFinder, bc);
      candidate.finders[1] = g_array_index (finders, OnbQrFinder, ba);
      candidate.finders[2] = g_array_index (finders, OnbQrFinder, bb);
      f = candidate.finders;
      /* Right-hand first: the cross product says which way round. */
      if ((f[1].x - f[0].x) * (f[2].y - f[0].y) - (f[1].y - f[0].y) * (f[2].x - f[0].x) < 0)
        {
          OnbQrFinder t = candidate.finders[1];

          candidate.finders[1] = candidate.finders[2];
          candidate.finders[2] = t;
        }
      candidate.n_finders = 3;
      candidate.inverted = f[0].inverted;
      candidate.module = MIN (MIN (f[0].module, f[1].module), f[2].module);
      {
        /* The fourth corner of the parallelogram, then the quiet zone. */
        OnbQrFinder fourth = f[1];
        double margin = 9 * MAX (MAX (f[0].module, f[1].module), f[2].module);

        fourth.x = f[1].x + f[2].x - f[0].x;
        fourth.y = f[1].y + f[2].y - f[0].y;
        for (guint i = 0; i < 3; i++)
          add_bounds (&candidate, &f[i], margin);
        add_bounds (&candidate, &fourth, margin);
      }
      g_array_append_val (candidates, candidate);
    }

  /* Two finders of one code (the third lost to glare or blur): the code
   * lies on one side of them or the other; look at both. */
  for (guint a = 0, pairs = 0; a < finders->len && pairs < max_candidates; a++)
    for (guint b = a + 1; b < finders->len && pairs < max_candidates; b++)
      {
        const OnbQrFinder *fa = &g_array_index (finders, OnbQrFinder, a), *fb = &g_array_index (finders, OnbQrFinder, b);
        double d = dist (fa, fb), m = MIN (fa->module, fb->module);
        OnbQrCandidate candidate = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };

        if (in_triple[a] || in_triple[b] || fa->inverted != fb->inverted || MAX (fa->module, fb->module) > 2.3 * m ||
            d < 10 * m || d > 60 * m || (fa->hits < 2 && fb->hits < 2))
          continue;
        in_triple[a] = in_triple[b] = TRUE;
        candidate.finders[0] = *fa;
        candidate.finders[1] = *fb;
        candidate.n_finders = 2;
        candidate.inverted = fa->inverted;
        candidate.module = m;
        add_bounds (&candidate, fa, d + 9 * m);
        add_bounds (&candidate, fb, d + 9 * m);
        g_array_append_val (candidates, candidate);
        pairs++;
      }

  /* The best crossed first (a triple of noise's look-alikes can be
   * neater than a printed code's pair), in the order above when even. */
  g_array_sort (candidates, compare_crossings);
  if (candidates->len > max_candidates)
    g_array_set_size (candidates, max_candidates);

  for (guint i = 0; i < candidates->len; i++)
    {
      OnbQrCandidate *c = &g_array_index (candidates, OnbQrCandidate, i);

      c->x0 = CLAMP (c->x0, 0, width);
      c->y0 = CLAMP (c->y0, 0, height);
      c->x1 = CLAMP (c->x1, 0, width);
      c->y1 = CLAMP (c->y1, 0, height);
    }
  return candidates;
}
