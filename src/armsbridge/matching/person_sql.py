"""The SQL that turns raw person tables into prepared ones (see prepare.prepare_persons).

Templates filled by `prepare_persons`: `{x}` is the suffix of the key tables (map_names{x},
map_fa{x}, ...), `{src}`/`{dst}` the raw and prepared table, and the `assoc_*` slots hold the
associates' parts only when the raw table has associates.
"""

# One row per distinct (given, family, full) name as written: its sorted word keys (inverted
# order gives the same key), and `nkf`, how many records of all the tables carry the same key.
NAMES_SQL = """
CREATE OR REPLACE TABLE map_names{x} AS
WITH combos AS (
  SELECT g, f, fn, count(*) AS n FROM ({union}) GROUP BY g, f, fn
), keyed AS (
  SELECT c.*,
    CASE WHEN mg.k IS NULL AND mf.k IS NULL THEN mfn.k ELSE concat_ws(' ', mg.k, mf.k) END
      AS kraw,
    CASE WHEN mg.p IS NULL AND mf.p IS NULL THEN mfn.p ELSE concat_ws(' ', mg.p, mf.p) END
      AS praw
  FROM combos c
  LEFT JOIN map_nm{x} mg ON mg.raw = c.g
  LEFT JOIN map_nm{x} mf ON mf.raw = c.f
  LEFT JOIN map_nm{x} mfn ON mfn.raw = c.fn
), toks AS (
  SELECT g, f, fn, n,
    list_sort(list_filter(string_split(coalesce(kraw, ''), ' '), lambda t: t <> '')) AS kt,
    list_sort(list_filter(string_split(coalesce(praw, ''), ' '), lambda t: t <> '')) AS pt,
    CASE WHEN regexp_matches(concat_ws(' ', g, f, fn), '[Ѐ-ӿ]') THEN 'Cyrl' ELSE 'Latn' END
      AS script
  FROM keyed
), named AS (
  SELECT g, f, fn, n, script,
    nullif(array_to_string(kt, ' '), '') AS nk, nullif(array_to_string(pt, ' '), '') AS np,
    kt[1] AS n1, kt[-1] AS n2, pt[1] AS p1, pt[-1] AS p2
  FROM toks
)
SELECT * EXCLUDE (n),
  CASE WHEN nk IS NOT NULL THEN sum(n) OVER (PARTITION BY nk) ELSE 0 END AS nkf
FROM named
"""


PERSON_SQL = """
CREATE OR REPLACE TABLE {dst} AS
WITH base AS (
  SELECT s.unique_id::VARCHAR AS unique_id,
    nm.nk, nm.np, nm.n1, nm.n2, nm.p1, nm.p2, nm.nkf, nm.script,
    fa.k AS fk, fa.p AS fp,
    nullif(coalesce(CAST(s.birth_date AS VARCHAR), CAST(s.birth_year AS VARCHAR)), '') AS bd1,
    embg_date(doc) AS bde,
    nullif(CAST(s.birth_date_text AS VARCHAR), '') AS bdw,
    sx.s AS sex,
    bp.k AS bpk, ci.k AS cityk, ad.k AS addrk,
    nullif(regexp_extract(CAST(s.address AS VARCHAR), '[0-9]+'), '') AS addrn,
    nullif(upper(regexp_replace(CAST(s.postcode AS VARCHAR), '\\s', '', 'g')), '') AS postcode,
    nullif(lower(trim(CAST(s.region AS VARCHAR))), '') AS region,
    split_part(ph.e, ';', 1) AS phone, string_split(ph.e, ';') AS phones, doc AS doc,
    nullif(list_distinct(string_split(nullif(CAST(s.items AS VARCHAR), ''), ';')), []) AS items
  FROM (SELECT *, nullif(regexp_replace(CASE WHEN strlen(idn) = length(idn) THEN upper(idn)
          ELSE translate(upper(idn), 'АВЕКМНОРСТХУЈЅІ', 'ABEKMHOPCTXYJSI') END,
          '[^0-9A-Z]', '', 'g'), '') AS doc
        FROM (SELECT *, CAST(id_number AS VARCHAR) AS idn FROM {src})) s
  LEFT JOIN map_names{x} nm ON nm.g IS NOT DISTINCT FROM CAST(s.given_name AS VARCHAR)
    AND nm.f IS NOT DISTINCT FROM CAST(s.family_name AS VARCHAR)
    AND nm.fn IS NOT DISTINCT FROM CAST(s.full_name AS VARCHAR)
  LEFT JOIN map_fa{x} fa ON fa.raw = CAST(s.father_name AS VARCHAR)
  LEFT JOIN map_pc{x} bp ON bp.raw = CAST(s.birth_place AS VARCHAR)
  LEFT JOIN map_pc{x} ci ON ci.raw = CAST(s.city AS VARCHAR)
  LEFT JOIN map_nm{x} ad ON ad.raw = CAST(s.address AS VARCHAR)
  LEFT JOIN map_ph{x} ph ON ph.raw = CAST(s.phone AS VARCHAR)
  LEFT JOIN map_sx{x} sx ON sx.raw = CAST(s.sex AS VARCHAR)
), dated AS (
  -- 01.01.yyyy is how many registers write "born in yyyy, day unknown".
  -- bdw: a birth date as written that did not parse (19450493), for the fuzzy level only.
  SELECT * EXCLUDE (bd1, bde, bd2),
    CASE WHEN bde IS NOT NULL AND (bd1 IS NULL OR starts_with(bde, bd2)) THEN bde ELSE bd2 END
      AS bd
  FROM (SELECT *, CASE WHEN bd1 LIKE '____-01-01' THEN left(bd1, 4) ELSE bd1 END AS bd2
        FROM base)
){assoc_cte}
SELECT unique_id, nk,
  CASE WHEN bd IS NULL THEN np END AS npx,
  CASE WHEN length(bd) = 10 THEN right(bd, 5) END AS md,
  np, n1, n2, p1, p2,
  fk, fp, np || '|' || fk AS nfk,
  bd, coalesce(replace(bd, '-', ''), bdw) AS bdt,
  TRY_CAST(left(coalesce(bd, bdw), 4) AS INTEGER) AS byear,
  sex, bpk, cityk, addrk, postcode, region,
  addrn,
  nullif(list_filter(string_split(addrk, ' '),
    lambda w: length(w) >= 4 AND NOT regexp_full_match(w, '[0-9]+')), []) AS addrw,
  phone, phones, doc, items, {assoc_columns}, script, coalesce(nkf, 0) AS nkf,
  nullif(list_concat(phones, items{assoc_links}), []) AS links
FROM dated{assoc_join}
"""

# Blocking keys of an associate: its name with one of the record's own name words (a typo in
# the other word, or in the record's date, still finds the pair), or with the day and month of
# birth (typos in both words).
ASSOCIATE_LINKS = (
    ", list_transform(a.assocr, lambda k: 'a1:' || k || '|' || p1),"
    " list_transform(a.assocr, lambda k: 'a2:' || k || '|' || p2),"
    " CASE WHEN md IS NOT NULL THEN list_transform(a.assocr, lambda k: 'a3:' || k || '|' || md) END"
)

# A person's associates (the other persons of their cases, by record id in the same table) as
# the sound keys of their names, all (`assoc`) and those of names few records carry (`assocr`,
# for blocking: a common name in two cases ties two records to nothing).
ASSOCIATES_CTE = """, assoc AS (
  SELECT s.unique_id, list(b.np) AS assoc,
    list(b.np) FILTER (WHERE b.nkf <= {common}) AS assocr
  FROM (SELECT unique_id::VARCHAR AS unique_id,
          unnest(string_split(CAST(associates AS VARCHAR), ';')) AS other FROM {src}) s
  JOIN base b ON b.unique_id = s.other AND b.np IS NOT NULL
  GROUP BY s.unique_id
)"""
