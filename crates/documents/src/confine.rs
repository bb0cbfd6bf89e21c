//! How the render worker confines itself, so that a PDF which takes PDFium over gets
//! nothing of the server: the server starts it with an empty environment; before its job
//! it turns on a seccomp filter (no sockets, no reaching into other processes) and a
//! first Landlock layer (no TCP, no signals or abstract sockets outside itself); once it
//! knows its job, a second Landlock layer leaves it reading the job's PDF and the font
//! folders and creating files in the job's folder, nothing else (not `/proc`, so not the
//! server's environment either). Both come from safe crates (`landlock`, `seccompiler`).

use crate::job::{Confinement, Enforced, Failure, Job};
use landlock::{
    ABI, Access, AccessFs, AccessNet, LandlockStatus, PathBeneath, PathFd, RestrictionStatus,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};
use std::path::Path;

/// The Landlock rights are asked for as of this ABI (Linux 6.12): files, TCP, signals and
/// abstract sockets. An older kernel enforces what it knows ([`Enforced::Partial`]).
const TARGET: ABI = ABI::V6;

/// Where PDFium looks for the fonts a PDF names without embedding them (its Linux list).
pub const FONT_DIRS: [&str; 4] = [
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/X11/fonts/Type1",
    "/usr/share/X11/fonts/TTF",
];

/// Confines the worker as far as it can before it knows its job, and says how far.
pub fn before_job() -> Confinement {
    let seccomp = match seccomp::apply() {
        Ok(()) => true,
        Err(e) => {
            eprintln!("render worker: no seccomp filter: {e}");
            false
        }
    };
    let single_thread = single_thread();
    let (landlock, landlock_abi) = match first_layer() {
        Ok(status) => (enforced(&status), abi(&status)),
        Err(e) => {
            eprintln!("render worker: no Landlock: {e}");
            (Enforced::None, 0)
        }
    };
    Confinement {
        landlock_abi,
        landlock,
        seccomp,
        single_thread,
    }
}

/// Narrows the worker to `job`'s files. `promised` is what its `Ready` said: a layer
/// weaker than that (it should not happen) refuses the job unless `allow_unconfined`.
pub fn to_job(
    job: &Job,
    promised: &Confinement,
    allow_unconfined: bool,
) -> Result<Enforced, Failure> {
    // The server may have given up on the job and removed its folder: the job's problem,
    // not the confinement's.
    if !(job.pdf.is_file() && job.out_dir.is_dir()) {
        return Err(Failure::Storage);
    }
    // Landlock binds the calling thread only: a thread started since `Ready` stays free.
    let threads_ok = !promised.single_thread || single_thread();
    let enforced = match job_layer(job) {
        Ok(status) => enforced(&status),
        Err(e) => {
            eprintln!("render worker: cannot confine itself to its job: {e}");
            Enforced::None
        }
    };
    if (!threads_ok || rank(enforced) < rank(promised.landlock)) && !allow_unconfined {
        return Err(Failure::Unconfined);
    }
    Ok(enforced)
}

fn rank(e: Enforced) -> u8 {
    match e {
        Enforced::None => 0,
        Enforced::Partial => 1,
        Enforced::Full => 2,
    }
}

fn enforced(status: &RestrictionStatus) -> Enforced {
    match status.ruleset {
        RulesetStatus::FullyEnforced => Enforced::Full,
        RulesetStatus::PartiallyEnforced => Enforced::Partial,
        RulesetStatus::NotEnforced => Enforced::None,
    }
}

fn abi(status: &RestrictionStatus) -> u8 {
    match status.landlock {
        LandlockStatus::Available {
            effective_abi,
            kernel_abi,
        } => kernel_abi
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(effective_abi as u8),
        _ => 0,
    }
}

/// Whether this process has one thread (counted in `/proc`, readable until the job's
/// layer).
fn single_thread() -> bool {
    std::fs::read_dir("/proc/self/task").is_ok_and(|d| d.count() == 1)
}

/// Every file right is handled but granted on all of `/`, which the job's layer then
/// narrows; TCP, signals and abstract sockets are handled and granted nowhere.
fn first_layer() -> anyhow::Result<RestrictionStatus> {
    let everything = AccessFs::from_all(TARGET);
    Ok(Ruleset::default()
        .handle_access(everything)?
        .handle_access(AccessNet::from_all(TARGET))?
        .scope(Scope::from_all(TARGET))?
        .create()?
        .add_rule(PathBeneath::new(PathFd::new("/")?, everything))?
        .restrict_self()?)
}

/// Read: the job's PDF and the font folders. Write: new files in the job's folder (the
/// server gives each job a fresh one, and moves the pages out of it): no reading there, no
/// overwriting, no removing, nothing beside it (the original PDF, other workers' pages).
fn job_layer(job: &Job) -> anyhow::Result<RestrictionStatus> {
    let read_dir = AccessFs::ReadFile | AccessFs::ReadDir;
    let write = AccessFs::WriteFile | AccessFs::MakeReg;
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(TARGET))?
        .create()?;
    for dir in FONT_DIRS.iter().map(Path::new).filter(|d| d.is_dir()) {
        ruleset = ruleset.add_rule(PathBeneath::new(PathFd::new(dir)?, read_dir))?;
    }
    Ok(ruleset
        .add_rule(PathBeneath::new(PathFd::new(&job.pdf)?, AccessFs::ReadFile))?
        .add_rule(PathBeneath::new(PathFd::new(&job.out_dir)?, write))?
        .restrict_self()?)
}

/// The seccomp filter: everything is allowed but what a renderer never needs and an
/// intruder would: sockets (the network, and local services), other processes' memory,
/// the kernel's larger attack surfaces, truncating files by name (Landlock before ABI 3
/// does not cover it), and typing into the terminal (stderr may be one).
mod seccomp {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule, TargetArch,
    };
    use std::collections::BTreeMap;

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    const DENIED: &[i64] = &[
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_getfd,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_bpf,
        libc::SYS_userfaultfd,
        libc::SYS_perf_event_open,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_truncate,
    ];

    /// x32 system calls reach the x86_64 filter with this bit set; the worker never makes
    /// one, so its twins of the denied calls are denied too (and x32's own `ioctl`,
    /// `ptrace` and `process_vm_*` numbers).
    #[cfg(target_arch = "x86_64")]
    fn x32_twins(rules: &mut BTreeMap<i64, Vec<SeccompRule>>) {
        const X32: i64 = 0x4000_0000;
        for &nr in DENIED {
            rules.insert(nr | X32, Vec::new());
        }
        for nr in [514, 521, 539, 540] {
            rules.insert(nr | X32, Vec::new());
        }
    }

    #[cfg(target_arch = "aarch64")]
    fn x32_twins(_: &mut BTreeMap<i64, Vec<SeccompRule>>) {}

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    pub fn apply() -> Result<(), String> {
        let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
        let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
            DENIED.iter().map(|&nr| (nr, Vec::new())).collect();
        x32_twins(&mut rules);
        let ioctl = [libc::TIOCSTI, libc::TIOCLINUX]
            .into_iter()
            .map(|request| {
                SeccompCondition::new(
                    1,
                    SeccompCmpArgLen::Dword,
                    SeccompCmpOp::Eq,
                    u64::from(request as u32),
                )
                .and_then(|c| SeccompRule::new(vec![c]))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        rules.insert(libc::SYS_ioctl, ioctl);
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(libc::EACCES as u32),
            arch,
        )
        .map_err(|e| e.to_string())?;
        let program: BpfProgram = filter
            .try_into()
            .map_err(|e: seccompiler::BackendError| e.to_string())?;
        // Every thread, should PDFium have started any.
        seccompiler::apply_filter_all_threads(&program).map_err(|e| e.to_string())
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub fn apply() -> Result<(), String> {
        Err(format!(
            "no filter is written for {}",
            std::env::consts::ARCH
        ))
    }
}
