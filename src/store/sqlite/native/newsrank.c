/*
 * newsrank(fts, w0, .., w{nCol-1}, idf0, idf1, ...): FTS5's bm25 (k1 = 1.2, b = 0.75, per-column weights,
 * length normalised over all columns) with the idf of each phrase given by the caller instead of counted.
 *
 * FTS5's own bm25() counts the documents of every phrase of the query on the first row it scores: a pass over
 * the whole doclist of each word, which for a common word costs more than ranking the page. The store knows
 * the counts already (term-stats.ts), so it hands them in. Phrases without an idf argument (the filter tags)
 * count 0. Returns the score negated, as bm25() does, so ORDER BY ascending puts the best first.
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
#include <string.h>

static void newsrank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2, b = 0.75;
  int nCol = api->xColumnCount(fts);
  int nPhrase = api->xPhraseCount(fts);
  double freq[64];
  sqlite3_int64 nRow = 0, nTotal = 0;
  int nInst = 0, nTok = 0, i, rc;
  if (nPhrase > 64) nPhrase = 64;
  memset(freq, 0, sizeof(freq));
  rc = api->xRowCount(fts, &nRow);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nTotal);
  if (rc == SQLITE_OK) rc = api->xInstCount(fts, &nInst);
  for (i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int ip, ic, io;
    rc = api->xInst(fts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK && ip < nPhrase) freq[ip] += (ic < nVal && ic < nCol) ? sqlite3_value_double(apVal[ic]) : 1.0;
  }
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &nTok);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double avgdl = nRow > 0 && nTotal > 0 ? (double)nTotal / (double)nRow : 1.0;
  double norm = k1 * (1.0 - b + b * (double)nTok / avgdl);
  double score = 0.0;
  for (i = 0; i < nPhrase; i++) {
    int arg = nCol + i;
    double idf = arg < nVal ? sqlite3_value_double(apVal[arg]) : 0.0;
    if (freq[i] > 0.0) score += idf * (freq[i] * (k1 + 1.0)) / (freq[i] + norm);
  }
  sqlite3_result_double(ctx, -score);
}

static fts5_api *fts5_api_from_db(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  if (sqlite3_prepare(db, "SELECT fts5(?1)", -1, &stmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_newsrank_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  fts5_api *api = fts5_api_from_db(db);
  if (api == 0 || api->iVersion < 2) {
    *pzErrMsg = sqlite3_mprintf("newsrank: FTS5 is not available");
    return SQLITE_ERROR;
  }
  return api->xCreateFunction(api, "newsrank", 0, newsrank, 0);
}
