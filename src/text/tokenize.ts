import { stemmer } from 'stemmer';
import type { StoredTokenizer } from '../core/protocol.js';

/** Words: letters and digits, with an inner apostrophe ("don't"). */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/**
 * The English stop words of Lucene's EnglishAnalyzer (ENGLISH_STOP_WORDS_SET)
 * plus common pronouns and auxiliaries: words a description is made of but
 * that say nothing about which entry it means.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then ' +
    'there these they this to was will with ' +
    'i me my we our you your he him his she her its them what which who whom whose when where ' +
    'why how am been being were has have had having do does did doing would should could can ' +
    'may might must shall than so too very just also any some all each both from up down out ' +
    'off over under again once here about above below between through during before after ' +
    'because while until until against other own same only few more most s t'
  ).split(' '),
);

/** Lower-case words of `text`. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Splits text into index terms with a built-in tokenizer (or takes pre-made tokens apart). */
export function tokenize(text: string, tokenizer: StoredTokenizer): string[] {
  if (tokenizer === 'pretokenized') return text.split(' ').filter((t) => t.length > 0);
  const all = words(text);
  if (tokenizer === 'simple') return all;
  const out: string[] = [];
  for (const word of all) {
    if (ENGLISH_STOP_WORDS.has(word)) continue;
    out.push(stemmer(word.replace(/['’]s$/, '')));
  }
  return out;
}
