# Reference token ids for random Unicode strings, from Hugging Face tokenizers (the Rust library behind
# transformers' fast tokenizers) and sentencepiece, to check flowscale's Java tokenizers against.
# CLIP's fast tokenizer is assembled here exactly as transformers' CLIPTokenizerFast builds it from
# vocab.json + merges.txt (normaliser NFC, \s+ -> " ", lowercase; Split on CLIP's pattern, removed, inverted;
# ByteLevel without prefix space; BPE with "</w>"; <|startoftext|> ... <|endoftext|>); it must reproduce the
# goldens before anything is written. Usage: python make_reference_ids.py RESOURCES_TEXT_DIR OUT.jsonl COUNT
# (reference-ids.jsonl: COUNT 500, tokenizers 0.23.2, sentencepiece 0.2.2).
import json, random, sys
from tokenizers import Tokenizer, Regex, AddedToken, normalizers, pre_tokenizers, processors, decoders
from tokenizers.models import BPE
import sentencepiece as spm

res = sys.argv[1]; out = sys.argv[2]; count = int(sys.argv[3])
vocab = json.load(open(f"{res}/clip-tokenizer/vocab.json", encoding="utf-8"))
merges = [tuple(l.split(" ")) for l in open(f"{res}/clip-tokenizer/merges.txt", encoding="utf-8").read().split("\n")[1:] if l]
clip = Tokenizer(BPE(vocab=vocab, merges=merges, dropout=None, continuing_subword_prefix="", end_of_word_suffix="</w>",
                     fuse_unk=False, unk_token="<|endoftext|>"))
clip.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
clip.pre_tokenizer = pre_tokenizers.Sequence([
    pre_tokenizers.Split(Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""), behavior="removed", invert=True),
    pre_tokenizers.ByteLevel(add_prefix_space=False)])
clip.decoder = decoders.ByteLevel()
clip.post_processor = processors.RobertaProcessing(("<|endoftext|>", 49407), ("<|startoftext|>", 49406),
                                                   add_prefix_space=False, trim_offsets=False)
clip.add_special_tokens([AddedToken("<|startoftext|>", normalized=False, special=True),
                         AddedToken("<|endoftext|>", normalized=False, special=True)])
t5 = Tokenizer.from_file(f"{res}/t5-tiny-tokenizer/tokenizer.json")
sp = spm.SentencePieceProcessor(model_file=f"{res}/t5-tiny-spiece/spiece.model")

# The goldens first: the assembled CLIP tokenizer must reproduce them, or it is not CLIPTokenizerFast.
import struct
def golden(path):
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])
    prompts = json.loads(h["__metadata__"]["prompts"])
    for i, p in enumerate(prompts):
        s, e = h[f"ids.{i}"]["data_offsets"]; raw = b[8 + n + s:8 + n + e]
        yield p, list(struct.unpack(f"<{len(raw) // 8}q", raw))
for p, ids in golden(f"{res}/clip-tiny-golden.safetensors"):
    mine = clip.encode(p).ids; mine = (mine[:76] + [49407]) if len(mine) > 77 else mine + [49407] * (77 - len(mine))
    assert mine == ids, (p, mine, ids)

rng = random.Random(20261206)
def cp(a, b): return chr(rng.randint(a, b))
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2002", "\u2009", "\u200a",
          "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\x1c", "\x1f"]
WORDS = ["a photo of ", "an astronaut", " riding ", "café", "naïve", "it's", "WE'LL", "ＦＵＬＬ", "ﬁ", "ﬀ", "İstanbul",
         "ΣΟΦΙΑ", "straße", "Ünïcödé", "\"FLUX\"", "4k!", "日本語", "🚀", "👩‍👩‍👧", "🇩🇪", "e\u0301", "Å", "ｶﾞ", "①", "½",
         "\xad", "\u200b", "\ufeff", "<|endoftext|>", "<|EndOfText|>", "</s>", "▁x", "'S", "l'été"]
def fragment():
    r = rng.random()
    if r < 0.18: return "".join(chr(rng.choice([rng.randint(97, 122), rng.randint(65, 90)])) for _ in range(rng.randint(1, 12)))
    if r < 0.26: return rng.choice(WORDS)
    if r < 0.32: return cp(0x30, 0x39)
    if r < 0.38: return cp(0x21, 0x2f)
    if r < 0.46: return rng.choice(SPACES)
    if r < 0.51: return cp(0x00, 0x1f)
    if r < 0.53: return cp(0x7f, 0x9f)
    if r < 0.59: return cp(0x300, 0x36f)
    if r < 0.64: return cp(0xff01, 0xff5e)
    if r < 0.67: return cp(0xfb00, 0xfb06)
    if r < 0.72: return cp(0x1f300, 0x1faff)
    if r < 0.76: return cp(0x10000, 0x10ffff).replace("\ud800", "")
    if r < 0.80: return cp(0x4e00, 0x9fff)
    if r < 0.83: return cp(0xac00, 0xd7a3)
    c = rng.randint(0, 0xffff)
    return "" if 0xd800 <= c <= 0xdfff else chr(c)  # Rust strings cannot hold lone surrogates
# Padded forms as FLUX's pipelines call the tokenizers: truncation to max_length (the specials kept), then padding.
clip77 = Tokenizer.from_str(clip.to_str()); clip77.enable_truncation(77)
clip77.enable_padding(length=77, pad_id=49407, pad_token="<|endoftext|>")
t5_16 = Tokenizer.from_str(t5.to_str()); t5_16.enable_truncation(16); t5_16.enable_padding(length=16, pad_id=0, pad_token="<pad>")
def row(s):
    s = "".join(c for c in s if not (0xd800 <= ord(c) <= 0xdfff))
    r = {"text": s, "clip": clip.encode(s).ids, "t5": t5.encode(s).ids, "spm": sp.encode(s) + [1]}
    # The padded form is kept only where truncation happened (padding alone is checked by the goldens).
    if len(r["clip"]) > 77: r["clip77"] = clip77.encode(s).ids
    if len(r["t5"]) > 16: r["t5_16"] = t5_16.encode(s).ids
    return r
rows = [row("".join(fragment() for _ in range(rng.randint(0, 40)))) for _ in range(count)]
# Long texts, a third of them led by one long word (hundreds of letters), for truncation and long BPE words.
for k in range(count // 25):
    s = "".join(fragment() for _ in range(rng.choice([80, 160])))
    if k % 3 == 0:
        s = "".join(chr(rng.randint(97, 122)) for _ in range(rng.randint(200, 1000))) + " " + s
    rows.append(row(s))
with open(out, "w", encoding="utf-8") as f:
    for r in rows: f.write(json.dumps(r, ensure_ascii=True) + "\n")

# Added tokens with every flag, on the T5 fixture: reference-added-tokens.jsonl holds the tokens first, then rows.
j = json.load(open(f"{res}/t5-tiny-tokenizer/tokenizer.json", encoding="utf-8"))
pieces = [p for p, _ in j["model"]["vocab"]]
def added(content, **flags):
    d = {"id": pieces.index(content), "content": content, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": False}
    d.update(flags)
    return d
extra = [added("ati", single_word=True), added("et", lstrip=True, special=True), added("es", rstrip=True, special=True),
         added("Ü", normalized=True), added("qu", lstrip=True, rstrip=True, normalized=True)]
j["added_tokens"] += extra
flagged = Tokenizer.from_str(json.dumps(j))
parts = ["ati", "et", "es", "Ü", "U\u0308", "qu", "ＱＵ", "ｑｕ", " ", "  ", "\t", "a", "x", "1", ",", "é", "cat", "ｅｓ"]
with open(out.replace("reference-ids", "reference-added-tokens"), "w", encoding="utf-8") as f:
    f.write(json.dumps({"added_tokens": extra}, ensure_ascii=True) + "\n")
    for _ in range(count // 2):
        s = "".join(rng.choice(parts) for _ in range(rng.randint(0, 14)))
        f.write(json.dumps({"text": s, "t5": flagged.encode(s).ids}, ensure_ascii=True) + "\n")
print("rows", len(rows), "t5 == sentencepiece:", sum(r["t5"] == r["spm"] for r in rows),
      "clip truncated:", sum(len(r["clip"]) > 77 for r in rows), "t5 truncated:", sum(len(r["t5"]) > 16 for r in rows))
