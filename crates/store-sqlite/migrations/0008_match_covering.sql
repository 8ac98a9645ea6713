-- Triage looks up band keys and anchors and needs only the matching
-- versions: covering indexes answer those queries from the index alone,
-- without a random read of the table row per hit (measured: the lookups
-- were ~40 % of triage's CPU time, mostly page reads).
CREATE INDEX match_bands_cover ON match_bands(band, key, document_id, version);
DROP INDEX match_bands_key;
CREATE INDEX match_anchors_cover ON match_anchors(anchor, document_id, version);
DROP INDEX match_anchors_anchor;
CREATE INDEX public_ref_bands_cover ON public_ref_bands(band, key, ref_id);
DROP INDEX public_ref_bands_key;
CREATE INDEX public_ref_anchors_cover ON public_ref_anchors(anchor, ref_id);
DROP INDEX public_ref_anchors_anchor;
