//! The extraction child's confinement. A parser bug met by a hostile file
//! may run the attacker's code in the child; this keeps what that code can
//! do small:
//! - Landlock (Linux 5.13 and later): it writes nowhere (not the data
//!   directory, not anywhere), and reads only its own file, the program
//!   and the libraries it runs on; from Linux 6.7 it can neither connect
//!   nor listen on TCP, and from 6.12 it cannot signal processes outside.
//! - seccomp (x86_64): it starts no process and opens no socket of any
//!   kind (a local database socket included).
//! - resource limits: memory and CPU time, no core file, no file grown
//!   (`RLIMIT_FSIZE` 0), at most [`OPEN_FILES`] open files, and no new
//!   processes (`RLIMIT_NPROC` 0, which the kernel does not apply to root:
//!   seccomp covers that case).
//!
//! Everything that allocates (opening paths, building the ruleset and the
//! filter) happens in the parent; between fork and exec the child makes
//! system calls only, since the server is multi-threaded and a forked
//! child must not allocate or take a lock. That is why this is written
//! against the system calls rather than the `landlock` crate, whose calls
//! may allocate. A kernel without Landlock or seccomp gets the rest, and
//! the server says so once at start.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Most files the child may hold open: its standard streams, the file it
/// reads, and what the loader opens one at a time.
pub const OPEN_FILES: u64 = 16;

/// What this kernel offers, probed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Support {
    /// The Landlock ABI version; 0 when the kernel has none.
    pub landlock_abi: i32,
    /// Whether seccomp filters are applied (x86_64 only).
    pub seccomp: bool,
}

pub fn support() -> Support {
    static SUPPORT: OnceLock<Support> = OnceLock::new();
    *SUPPORT.get_or_init(|| {
        // SAFETY: the documented way to ask for the ABI version: no
        // attribute, size 0, the VERSION flag.
        let abi = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                std::ptr::null::<u8>(),
                0usize,
                CREATE_RULESET_VERSION,
            )
        };
        // SAFETY: reads the calling thread's seccomp mode; no pointers.
        let seccomp = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) } >= 0;
        Support {
            landlock_abi: abi.max(0) as i32,
            seccomp: seccomp && cfg!(target_arch = "x86_64"),
        }
    })
}

/// A confinement prepared for one run of the extractor.
pub struct Sandbox {
    ruleset: Option<OwnedFd>,
    filter: Vec<libc::sock_filter>,
    address_space: u64,
    cpu_seconds: u64,
}

impl Sandbox {
    /// In the parent: a confinement in which the extractor may read `file`.
    /// Fails only if the kernel has Landlock and refuses the ruleset.
    pub fn prepare(
        extractor: &super::Extractor,
        file: &Path,
        address_space: u64,
        cpu_seconds: u64,
    ) -> std::io::Result<Sandbox> {
        let support = support();
        let ruleset = if support.landlock_abi > 0 {
            let mut readable: Vec<PathBuf> = SYSTEM_PATHS.iter().map(PathBuf::from).collect();
            readable.extend(mapped_files().iter().cloned());
            readable.push(extractor.program.clone());
            readable.extend(extractor.hands_over_to.iter().cloned());
            readable.push(file.to_path_buf());
            Some(ruleset(support.landlock_abi, &readable)?)
        } else {
            None
        };
        Ok(Sandbox {
            ruleset,
            filter: if support.seccomp {
                seccomp_filter()
            } else {
                Vec::new()
            },
            address_space,
            cpu_seconds,
        })
    }

    /// In the child, between fork and exec: system calls only.
    pub fn enter(&self) -> std::io::Result<()> {
        set_limit(libc::RLIMIT_AS, self.address_space)?;
        set_limit(libc::RLIMIT_CPU, self.cpu_seconds)?;
        set_limit(libc::RLIMIT_CORE, 0)?;
        set_limit(libc::RLIMIT_FSIZE, 0)?;
        set_limit(libc::RLIMIT_NOFILE, OPEN_FILES)?;
        set_limit(libc::RLIMIT_NPROC, 0)?;
        // SAFETY: plain system calls; the ruleset fd and the filter live in
        // this (copied) address space until exec.
        unsafe {
            check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) as libc::c_long)?;
            if let Some(fd) = &self.ruleset {
                check(libc::syscall(
                    libc::SYS_landlock_restrict_self,
                    fd.as_raw_fd(),
                    0u32,
                ))?;
            }
            if !self.filter.is_empty() {
                let program = libc::sock_fprog {
                    len: self.filter.len() as libc::c_ushort,
                    filter: self.filter.as_ptr() as *mut libc::sock_filter,
                };
                check(libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER as libc::c_ulong,
                    &program as *const libc::sock_fprog as libc::c_ulong,
                    0,
                    0,
                ) as libc::c_long)?;
            }
        }
        Ok(())
    }
}

fn check(rc: libc::c_long) -> std::io::Result<()> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: a plain system call on a stack value.
    check(unsafe { libc::setrlimit(resource, &limit) } as libc::c_long)
}

// Landlock's interface (include/uapi/linux/landlock.h).
const CREATE_RULESET_VERSION: u32 = 1;
const RULE_PATH_BENEATH: u32 = 1;
const FS_EXECUTE: u64 = 1 << 0;
const FS_WRITE_FILE: u64 = 1 << 1;
const FS_READ_FILE: u64 = 1 << 2;
const FS_READ_DIR: u64 = 1 << 3;
const NET_BIND_TCP: u64 = 1 << 0;
const NET_CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// Where programs and their libraries live; missing ones are skipped.
const SYSTEM_PATHS: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/dev/null",
];

/// Every file mapped as code into this process (the program and its
/// libraries, wherever they are installed): the child, the same program,
/// needs the same ones. Data mappings (the database's shared memory, the
/// index) are left out: the child has no business there.
fn mapped_files() -> &'static [PathBuf] {
    static FILES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    FILES.get_or_init(|| {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        let mut files: Vec<PathBuf> = maps
            .lines()
            .filter_map(|l| {
                let mut fields = l.split_whitespace();
                let perms = fields.nth(1)?;
                let path = fields.nth(3)?;
                (perms.contains('x') && path.starts_with('/')).then(|| PathBuf::from(path))
            })
            .collect();
        files.sort();
        files.dedup();
        files
    })
}

/// Every filesystem right this ABI knows is handled (so denied unless a
/// rule allows it); the rules allow reading, and writing only to /dev/null.
fn ruleset(abi: i32, readable: &[PathBuf]) -> std::io::Result<OwnedFd> {
    let handled_fs = match abi {
        1 => (1 << 13) - 1,
        2 => (1 << 14) - 1,
        3 | 4 => (1 << 15) - 1,
        _ => (1 << 16) - 1,
    };
    let attr = RulesetAttr {
        handled_access_fs: handled_fs,
        handled_access_net: if abi >= 4 {
            NET_BIND_TCP | NET_CONNECT_TCP
        } else {
            0
        },
        scoped: if abi >= 6 {
            SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        } else {
            0
        },
    };
    // The kernel takes a larger attribute than it knows if the unknown
    // fields are zero, so one size serves every ABI.
    // SAFETY: a pointer to a live, correctly laid out attribute and its size.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0u32,
        )
    };
    check(fd)?;
    // SAFETY: the kernel just returned this descriptor to us alone.
    let ruleset = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    for path in readable {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        // O_PATH: a descriptor that names the file without opening it.
        // Closing a real one would drop every POSIX lock this process
        // holds on the file (SQLite's, on its database and shared memory),
        // and another process could then take the database from under us.
        let Ok(opened) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_CLOEXEC)
            .open(path)
        else {
            continue;
        };
        let mut allowed = FS_READ_FILE | FS_EXECUTE;
        if meta.is_dir() {
            allowed |= FS_READ_DIR;
        } else if path == Path::new("/dev/null") {
            allowed = FS_READ_FILE | FS_WRITE_FILE;
        }
        let rule = PathBeneathAttr {
            allowed_access: allowed,
            parent_fd: opened.as_raw_fd(),
        };
        // SAFETY: a live rule attribute and open descriptors.
        check(unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset.as_raw_fd(),
                RULE_PATH_BENEATH,
                &rule as *const PathBeneathAttr,
                0u32,
            )
        })?;
    }
    Ok(ruleset)
}

/// A classic BPF filter: on x86_64, creating a process (fork, vfork,
/// clone without CLONE_THREAD, clone3, whose flags a filter cannot read)
/// and opening a socket fail with EPERM (clone3 with ENOSYS, which makes
/// the C library fall back to clone); x32 calls fail; another
/// architecture's calls kill the process.
fn seccomp_filter() -> Vec<libc::sock_filter> {
    #[cfg(target_arch = "x86_64")]
    {
        const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
        const X32: u32 = 0x4000_0000;
        let stmt = |code: u32, k: u32| libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        };
        let jump = |code: u32, k: u32, jt: u8, jf: u8| libc::sock_filter {
            code: (libc::BPF_JMP | code | libc::BPF_K) as u16,
            jt,
            jf,
            k,
        };
        let load = |offset: u32| stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, offset);
        let ret = |value: u32| stmt(libc::BPF_RET | libc::BPF_K, value);
        let eperm = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        // Offsets in struct seccomp_data: nr 0, arch 4, args[0] 16 (its
        // low half on little-endian x86_64).
        // Jumps count instructions skipped; the returns are at 13, 14, 15.
        vec![
            /* 0 */ load(4),
            /* 1 */ jump(libc::BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0),
            /* 2 */ ret(libc::SECCOMP_RET_KILL_PROCESS),
            /* 3 */ load(0),
            /* 4 */ jump(libc::BPF_JGE, X32, 9, 0),
            /* 5 */ jump(libc::BPF_JEQ, libc::SYS_clone3 as u32, 9, 0),
            /* 6 */ jump(libc::BPF_JEQ, libc::SYS_fork as u32, 7, 0),
            /* 7 */ jump(libc::BPF_JEQ, libc::SYS_vfork as u32, 6, 0),
            /* 8 */ jump(libc::BPF_JEQ, libc::SYS_socket as u32, 5, 0),
            /* 9 */ jump(libc::BPF_JEQ, libc::SYS_socketpair as u32, 4, 0),
            /* 10 */ jump(libc::BPF_JEQ, libc::SYS_clone as u32, 0, 2),
            /* 11 */ load(16),
            /* 12 */ jump(libc::BPF_JSET, libc::CLONE_THREAD as u32, 0, 1),
            /* 13 */ ret(libc::SECCOMP_RET_ALLOW),
            /* 14 */ ret(eperm),
            /* 15 */ ret(enosys),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}
