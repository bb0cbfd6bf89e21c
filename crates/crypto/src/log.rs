//! The append-only log of a poll: accepted ballots are leaves of an RFC 6962 Merkle tree
//! (ct-merkle). The server signs checkpoints (tree size + root) and receipts (leaf index,
//! leaf hash, tree head); tablets keep them and check inclusion and consistency, so the
//! server cannot show two histories.

use crate::{BallotError, Hash, SignedBallot};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Tag of a signed checkpoint.
pub const CHECKPOINT_TAG_V1: &[u8] = b"ecabinet/checkpoint/v1";
/// Tag of a signed receipt.
pub const RECEIPT_TAG_V1: &[u8] = b"ecabinet/receipt/v1";

/// The leaf of a signed ballot: its canonical bytes followed by the 64-byte signature.
pub fn ballot_leaf(b: &SignedBallot) -> Vec<u8> {
    let mut leaf = b.bytes.clone();
    leaf.extend_from_slice(&b.signature);
    leaf
}

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// The state of a log: how many leaves, and the root over them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeHead {
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 Merkle tree hash of those leaves (SHA-256 of nothing when empty).
    pub root: Hash,
}

/// A poll's log, in memory (rebuilt from the stored leaves on start).
#[derive(Default)]
pub struct PollLog {
    tree: MemoryBackedTree<Sha256, Vec<u8>>,
}

impl PollLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf; returns its index.
    pub fn append(&mut self, leaf: Vec<u8>) -> u64 {
        self.tree.push(leaf);
        self.tree.len() - 1
    }

    /// The current head.
    pub fn head(&self) -> TreeHead {
        let root = self.tree.root();
        TreeHead {
            size: root.num_leaves(),
            root: (*root.as_bytes()).into(),
        }
    }

    /// Audit path of leaf `index` in the current tree.
    pub fn prove_inclusion(&self, index: u64) -> Option<Vec<Hash>> {
        let i = usize::try_from(index).ok()?;
        (index < self.tree.len()).then(|| split(self.tree.prove_inclusion(i).as_bytes()))
    }

    /// Proof that the current tree extends the tree of its first `old_size` leaves.
    pub fn prove_consistency(&self, old_size: u64) -> Option<Vec<Hash>> {
        if old_size == 0 || old_size > self.tree.len() {
            return None;
        }
        let additions = usize::try_from(self.tree.len() - old_size).ok()?;
        Some(split(self.tree.prove_consistency(additions).as_bytes()))
    }
}

fn split(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok())
        .collect()
}

fn join(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flatten().copied().collect()
}

fn root_of(head: &TreeHead) -> RootHash<Sha256> {
    RootHash::new(head.root.into(), head.size)
}

/// Whether `leaf` is at `index` in the tree of `head`.
pub fn verify_inclusion(head: &TreeHead, leaf: &[u8], index: u64, proof: &[Hash]) -> bool {
    let Ok(proof) = InclusionProof::<Sha256>::try_from_bytes(join(proof)) else {
        return false;
    };
    root_of(head).verify_inclusion(&leaf, index, &proof).is_ok()
}

/// Whether `new` is `old` with leaves appended (nothing rewritten).
pub fn verify_consistency(old: &TreeHead, new: &TreeHead, proof: &[Hash]) -> bool {
    if old.size == new.size {
        return old.root == new.root && proof.is_empty();
    }
    let Ok(proof) = ConsistencyProof::<Sha256>::try_from_bytes(join(proof)) else {
        return false;
    };
    root_of(new)
        .verify_consistency(&root_of(old), &proof)
        .is_ok()
}

/// Canonical bytes of a checkpoint: tag, 0x00, poll id (u64 BE), size (u64 BE), root.
pub fn checkpoint_bytes(poll_id: u64, head: &TreeHead) -> Vec<u8> {
    let mut out = CHECKPOINT_TAG_V1.to_vec();
    out.push(0);
    out.extend_from_slice(&poll_id.to_be_bytes());
    out.extend_from_slice(&head.size.to_be_bytes());
    out.extend_from_slice(&head.root);
    out
}

/// Canonical bytes of a receipt: tag, 0x00, poll id, leaf index (u64 BE), leaf hash,
/// then the tree head after the append (size, root).
pub fn receipt_bytes(poll_id: u64, index: u64, leaf_hash: &Hash, head: &TreeHead) -> Vec<u8> {
    let mut out = RECEIPT_TAG_V1.to_vec();
    out.push(0);
    out.extend_from_slice(&poll_id.to_be_bytes());
    out.extend_from_slice(&index.to_be_bytes());
    out.extend_from_slice(leaf_hash);
    out.extend_from_slice(&head.size.to_be_bytes());
    out.extend_from_slice(&head.root);
    out
}

/// Signs canonical bytes with the server key.
pub fn server_sign(key: &SigningKey, bytes: &[u8]) -> [u8; 64] {
    key.sign(bytes).to_bytes()
}

/// Verifies a server signature strictly.
pub fn server_verify(
    public_key: &[u8; 32],
    bytes: &[u8],
    signature: &[u8; 64],
) -> Result<(), BallotError> {
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| BallotError::BadKey)?;
    key.verify_strict(bytes, &Signature::from_bytes(signature))
        .map_err(|_| BallotError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 §2.1, transcribed directly: MTH({}) = SHA-256(), MTH({d}) = SHA-256(0 ‖ d),
    /// MTH(D[n]) = SHA-256(1 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])) with k the largest power of two < n.
    fn reference_root(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let mut h = Sha256::new();
                h.update([1u8]);
                h.update(reference_root(&leaves[..k]));
                h.update(reference_root(&leaves[k..]));
                h.finalize().into()
            }
        }
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("ballot {i}").into_bytes()).collect()
    }

    #[test]
    fn roots_follow_rfc_6962() {
        for n in 0..40 {
            let mut log = PollLog::new();
            for l in leaves(n) {
                log.append(l);
            }
            assert_eq!(log.head().root, reference_root(&leaves(n)), "{n} leaves");
            assert_eq!(log.head().size, n as u64);
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_catch_forgeries() {
        let mut log = PollLog::new();
        for l in leaves(13) {
            log.append(l);
        }
        let head = log.head();
        for (i, leaf) in leaves(13).iter().enumerate() {
            let proof = log.prove_inclusion(i as u64).unwrap();
            assert!(verify_inclusion(&head, leaf, i as u64, &proof));
            assert!(!verify_inclusion(&head, b"forged", i as u64, &proof));
            assert!(!verify_inclusion(&head, leaf, (i as u64 + 1) % 13, &proof));
        }
        assert!(log.prove_inclusion(13).is_none());
    }

    #[test]
    fn consistency_proofs_show_an_append_only_history() {
        let mut log = PollLog::new();
        let mut heads = Vec::new();
        for l in leaves(20) {
            log.append(l);
            heads.push(log.head());
        }
        let last = log.head();
        for old in &heads {
            let proof = log.prove_consistency(old.size).unwrap();
            assert!(verify_consistency(old, &last, &proof), "from {}", old.size);
        }
        // A rewritten history (leaf 3 replaced) is not consistent with the old head.
        let mut other = PollLog::new();
        for (i, l) in leaves(20).into_iter().enumerate() {
            other.append(if i == 3 { b"rewritten".to_vec() } else { l });
        }
        let proof = other.prove_consistency(10).unwrap();
        assert!(!verify_consistency(&heads[9], &other.head(), &proof));
    }

    #[test]
    fn server_signatures_bind_poll_and_head() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let pk = *key.verifying_key().as_bytes();
        let head = TreeHead {
            size: 3,
            root: [7; 32],
        };
        let sig = server_sign(&key, &checkpoint_bytes(1, &head));
        assert!(server_verify(&pk, &checkpoint_bytes(1, &head), &sig).is_ok());
        assert!(server_verify(&pk, &checkpoint_bytes(2, &head), &sig).is_err());
        let bigger = TreeHead { size: 4, ..head };
        assert!(server_verify(&pk, &checkpoint_bytes(1, &bigger), &sig).is_err());
        // A checkpoint signature is not a receipt signature.
        assert!(server_verify(&pk, &receipt_bytes(1, 0, &[7; 32], &head), &sig).is_err());
    }
}
