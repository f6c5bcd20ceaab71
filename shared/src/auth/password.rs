//! Passwords: the policy a new password must meet, and argon2id hashing.
//!
//! Parameters follow OWASP's password storage guidance for argon2id
//! (m = 19 MiB, t = 2, p = 1): about 20-40 ms per hash on one Lambda vCPU
//! (see `cargo bench --bench portal`), small enough for a 256 MB function.

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::Error;
use crate::error::Reason;

pub const MIN_LEN: usize = 10;
/// Bounded so a huge "password" cannot make us hash megabytes.
pub const MAX_LEN: usize = 128;

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// A new password that meets the policy. Never logged, never serialized.
pub struct NewPassword(String);

impl NewPassword {
    /// Checks length, and that the password is not built from the user's own
    /// email or names (`personal`), nor a single repeated character.
    pub fn parse(field: &str, raw: &str, personal: &[&str]) -> crate::Result<Self> {
        let len = raw.chars().count();
        if len < MIN_LEN {
            return Err(Error::refused(
                field,
                Reason::TooShort(MIN_LEN as u64),
                format!("must be at least {MIN_LEN} characters"),
            ));
        }
        if len > MAX_LEN {
            return Err(Error::refused(
                field,
                Reason::TooLong(MAX_LEN as u64),
                format!("must be at most {MAX_LEN} characters"),
            ));
        }
        let lower = raw.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(Error::refused(
                field,
                Reason::RepeatedCharacter,
                "must not be one character repeated",
            ));
        }
        for word in personal {
            // The whole email and its local part; names of 3+ letters.
            let word = word.trim().to_lowercase();
            let local = word.split('@').next().unwrap_or_default().to_owned();
            for part in [word, local] {
                if part.chars().count() >= 3 && lower.contains(&part) {
                    return Err(Error::refused(
                        field,
                        Reason::ContainsPersonalWords,
                        "must not contain your email address or name",
                    ));
                }
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Checks that the confirmation repeats the new password.
pub fn confirm(field: &str, new: &str, confirmation: &str) -> crate::Result<()> {
    if new != confirmation {
        return Err(Error::refused(
            field,
            Reason::DoesNotMatch,
            "does not match the new password",
        ));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .unwrap_or_else(|e| unreachable!("static argon2 parameters are valid: {e}"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// argon2's working memory (19 MiB a hash), kept and reused: allocating it
/// per hash made a process's memory grow with every sign-in (the allocator
/// keeps freed blocks that large, one set per thread that hashed). At most
/// one buffer per CPU is kept; more hashing at once allocates and frees.
static MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

/// `argon2.hash_password_into` with a reused buffer.
fn hash_into(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let blocks = argon2.params().block_count();
    let taken = MEMORY.lock().unwrap_or_else(|p| p.into_inner()).pop();
    let mut memory = taken
        .filter(|memory| memory.len() == blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = argon2.hash_password_into_with_memory(password, salt, out, &mut memory);
    let keep = std::thread::available_parallelism().map_or(1, usize::from);
    let mut pool = MEMORY.lock().unwrap_or_else(|p| p.into_inner());
    if pool.len() < keep {
        pool.push(memory);
    }
    result
}

/// The hash of `password` under `argon2` and `salt`, as PHC parts.
fn hash_with<'a>(argon2: &Argon2<'_>, password: &[u8], salt: Salt<'a>, len: usize) -> Option<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
    Output::init_with(len, |out| {
        hash_into(argon2, password, salt_bytes, out).map_err(|_| password_hash::Error::Crypto)
    })
    .ok()
}

/// A PHC-format argon2id hash of the password (salt and parameters included).
/// CPU-heavy: call from a blocking task.
pub fn hash(password: &NewPassword) -> String {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).unwrap_or_else(|_| unreachable!("the system RNG does not fail"));
    let salt =
        SaltString::encode_b64(&salt).unwrap_or_else(|e| unreachable!("16 bytes make a valid salt: {e}"));
    let argon2 = argon2();
    let output = hash_with(
        &argon2,
        password.expose().as_bytes(),
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )
    .unwrap_or_else(|| unreachable!("hashing with valid parameters cannot fail"));
    PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())
            .unwrap_or_else(|e| unreachable!("static parameters format: {e}")),
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string()
}

/// Whether `candidate` matches the stored hash (with the parameters stored
/// in it). Candidates longer than the policy allows are refused without
/// hashing. CPU-heavy: call from a blocking task.
pub fn verify(candidate: &str, stored: &str) -> bool {
    if candidate.chars().count() > MAX_LEN {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed))
    else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let argon2 = Argon2::new(algorithm, version, params);
    // Output compares in constant time.
    hash_with(&argon2, candidate.as_bytes(), salt, expected.len()).is_some_and(|output| output == expected)
}

/// A hash no password matches, verified when the account does not exist so
/// that unknown and known emails take the same time.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2VydmljZWRlc2tkdW1teQ$u1oZ0aN3lD7Sd3ZYd0ruB1KbO+Y9vgT6dC3Fq0wY2e0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_bounds_length_and_refuses_personal_words() {
        let personal = ["ann.smith@example.com", "Ann", "Smith"];
        assert!(NewPassword::parse("password", "correct horse battery", &personal).is_ok());
        for (bad, why) in [
            ("short", "at least 10"),
            ("aaaaaaaaaaaa", "repeated"),
            ("ann.smith@example.com1", "email"),
            ("my-ANN.SMITH-pass", "email"),
            ("smith-is-great-2026", "name"),
        ] {
            let err = NewPassword::parse("password", bad, &personal)
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(
                err.to_string().contains(why) || why == "email" || why == "name",
                "{bad}: {err}"
            );
        }
        assert!(
            NewPassword::parse("password", &"x1".repeat(65), &[]).is_err(),
            "over 128 characters"
        );
        assert!(confirm("confirm", "a", "b").is_err());
    }

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let password = NewPassword::parse("password", "correct horse battery", &[]).unwrap();
        let stored = hash(&password);
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
        assert_ne!(stored, hash(&password), "salted");
        assert!(!verify("anything", DUMMY_HASH));
        assert!(!verify(&"x".repeat(10_000), &stored));
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hashing() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        // Stored before the buffer was reused: the crate's own hashing.
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let old = argon2()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &old));
        assert!(!verify("correct horse batterY", &old));
        let new = hash(&NewPassword::parse("password", "correct horse battery", &[]).unwrap());
        let parsed = PasswordHash::new(&new).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // Other parameters stored in a hash are the ones verified with.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        );
        let light = light
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &light));
    }

    #[test]
    fn the_dummy_hash_costs_as_much_as_a_real_one() {
        // If it did not parse, verifying it would return at once and a
        // sign-in for an unknown email would answer measurably faster.
        let dummy = PasswordHash::new(DUMMY_HASH).expect("the dummy hash parses");
        let real_hash = hash(&NewPassword::parse("password", "correct horse battery", &[]).unwrap());
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(
            dummy.params, real.params,
            "same memory, iterations and parallelism"
        );
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }
}
