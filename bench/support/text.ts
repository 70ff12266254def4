// Seeded, realistic chat text for the benchmark suites: a small PRNG, and messages whose
// words follow a Zipf-like distribution over a generated vocabulary and whose lengths are
// mostly short with a long tail, so every run builds the same history.

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TextGenerator {
  readonly vocabulary: string[];
  private readonly cumulative: Float64Array;

  /** `size` distinct pronounceable words; the word of rank r is drawn with weight 1 / r^1.07. */
  constructor(
    private readonly random: () => number,
    size = 50_000,
  ) {
    const onsets = ['', 'b', 'br', 'd', 'f', 'g', 'gr', 'h', 'k', 'l', 'm', 'n', 'p', 'pl', 'r', 's', 'st', 't', 'tr', 'v', 'w', 'z'];
    const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
    const codas = ['', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st'];
    const seen = new Set<string>();
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    while (seen.size < size) {
      // Frequent words are short, as in natural language.
      const syllables = seen.size < 200 ? 1 : seen.size < 5_000 ? 2 : 2 + Math.floor(random() * 2);
      let word = '';
      for (let i = 0; i < syllables; i++) word += pick(onsets) + pick(vowels) + pick(codas);
      if (word.length >= 2) seen.add(word);
    }
    this.vocabulary = [...seen];
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let rank = 1; rank <= size; rank++) this.cumulative[rank - 1] = total += 1 / rank ** 1.07;
    for (let i = 0; i < size; i++) this.cumulative[i]! /= total;
  }

  word(): string {
    const target = this.random();
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return this.vocabulary[low]!;
  }

  /** A chat message: 1 to 60 words, about 10 on average (exponential tail); a capital, some punctuation. */
  message(): string {
    const length = 1 + Math.min(59, Math.floor(-Math.log(1 - this.random()) * 9));
    const words: string[] = [];
    for (let i = 0; i < length; i++) words.push(this.word());
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    const end = this.random();
    return words.join(' ') + (end < 0.5 ? '' : end < 0.8 ? '.' : end < 0.93 ? '?' : '!');
  }
}
