# A SentencePiece unigram model with byte fallback (T5's id conventions: pad 0, eos 1, unk 2; identity
# normalisation, so the file stays small), and sentencepiece's ids for strings it has no pieces for.
# Usage: python make_byte_fallback_model.py OUT_DIR   (sentencepiece 0.2.2) -> OUT_DIR/t5-bytes-spiece/spiece.model,
# OUT_DIR/reference-byte-fallback.jsonl. Only ASCII spaces, one at a time, separate words here: on other whitespace
# sentencepiece and Hugging Face disagree, and flowscale follows Hugging Face (see reference-ids.jsonl).
import json, os, random, sys, tempfile
import sentencepiece as spm
out = sys.argv[1]
os.makedirs(f"{out}/t5-bytes-spiece", exist_ok=True)
words = "a an the red blue green yellow cat dog horse astronaut riding photo of in on at with two small large painting city night".split()
rng = random.Random(0)
with tempfile.TemporaryDirectory() as tmp:
    open(f"{tmp}/corpus.txt", "w").write("\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) for _ in range(3000)))
    spm.SentencePieceTrainer.train(input=f"{tmp}/corpus.txt", model_prefix=f"{out}/t5-bytes-spiece/spiece", vocab_size=400,
        model_type="unigram", normalization_rule_name="identity", byte_fallback=True, pad_id=0, eos_id=1, unk_id=2,
        bos_id=-1, character_coverage=1.0, num_threads=1, minloglevel=2, hard_vocab_limit=False)
os.remove(f"{out}/t5-bytes-spiece/spiece.vocab")
sp = spm.SentencePieceProcessor(model_file=f"{out}/t5-bytes-spiece/spiece.model")
parts = words + ["Cat", "café", "naïve", "日本語", "🚀", "👩‍👩‍👧", "ﬁ", "ＦＵＬＬ", "e\u0301", "zebra", "Qx", "!", "4k"]
with open(f"{out}/reference-byte-fallback.jsonl", "w", encoding="utf-8") as f:
    for _ in range(300):
        s = " ".join(rng.choice(parts) + (rng.choice(parts) if rng.random() < 0.3 else "") for _ in range(rng.randint(0, 8)))
        f.write(json.dumps({"text": s, "spm": sp.encode(s) + [1]}, ensure_ascii=True) + "\n")
