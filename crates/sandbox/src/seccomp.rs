//! The seccomp filter: a deny-list compiled once, in the parent, into classic BPF.
//!
//! Language runtimes need hundreds of syscalls, so we refuse what a program has no business
//! doing rather than allow-listing what it may. Refusals answer `EPERM` (programs see a normal
//! error, not a crash), except `clone3` which answers `ENOSYS` so that threaded runtimes fall
//! back to `clone`, whose flags we *can* inspect. Foreign architectures are killed and x32
//! syscall numbers are refused explicitly (pitfall 6 in `shared/notes/sandbox-facts.md`).

use libc::sock_filter;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_JSET_K: u16 = 0x45;
const BPF_RET_K: u16 = 0x06;

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;

const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const fn offset_arg_low(index: u32) -> u32 {
    16 + 8 * index
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

/// x32 syscalls are x86_64 numbers with this bit set; seccomp sees them under AUDIT_ARCH_X86_64.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Namespace flags a program may not pass to `clone`.
const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP
    | 0x80) as u32; // CLONE_NEWTIME

/// Syscalls refused outright: debugging other processes, changing the filesystem tree or
/// namespaces, kernel and module control, keyrings, raw kernel interfaces with a long CVE record.
fn denied_syscalls() -> Vec<libc::c_long> {
    let mut denied = vec![
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_keyctl,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_userfaultfd,
        libc::SYS_acct,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_clock_adjtime,
        libc::SYS_adjtimex,
        libc::SYS_sethostname,
        libc::SYS_setdomainname,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        libc::SYS_quotactl,
        libc::SYS_vhangup,
        libc::SYS_fanotify_init,
        libc::SYS_syslog,
        libc::SYS_kcmp,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        libc::SYS_mount_setattr,
        libc::SYS_pidfd_getfd,
        // A pidfd of pid 1 (init, hidden by hidepid) tells it is there; nothing needs it here.
        libc::SYS_pidfd_open,
        libc::SYS_lookup_dcookie,
    ];
    #[cfg(target_arch = "x86_64")]
    denied.extend([
        libc::SYS_iopl,
        libc::SYS_ioperm,
        // Per-process segment descriptors: 16-bit code and old exploits, no runtime of ours.
        libc::SYS_modify_ldt,
        libc::SYS_uselib,
        libc::SYS__sysctl,
        174, // create_module
        177, // get_kernel_syms
        178, // query_module
        libc::SYS_nfsservctl,
    ]);
    denied
}

/// Socket families refused: vsock reaches the hypervisor host even from an empty network
/// namespace (pitfall 8); the others are raw kernel interfaces no program here needs.
const DENIED_SOCKET_FAMILIES: [libc::c_int; 6] = [
    libc::AF_VSOCK,
    libc::AF_PACKET,
    libc::AF_KEY,
    libc::AF_ALG,
    libc::AF_BLUETOOTH,
    libc::AF_CAN,
];

/// ioctls that inject input into a terminal.
const DENIED_IOCTLS: [u32; 2] = [libc::TIOCSTI as u32, 0x541C /* TIOCLINUX */];

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn errno(code: libc::c_int) -> u32 {
    RET_ERRNO | (code as u32 & 0xffff)
}

/// Compiles the filter. The result is installed unchanged in every sandboxed program.
pub fn compile() -> Vec<sock_filter> {
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH, 1, 0),
        stmt(BPF_RET_K, RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFFSET_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    prog.extend([
        jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1),
        stmt(BPF_RET_K, errno(libc::ENOSYS)),
    ]);
    for nr in denied_syscalls() {
        prog.push(jump(BPF_JEQ_K, nr as u32, 0, 1));
        prog.push(stmt(BPF_RET_K, errno(libc::EPERM)));
    }
    prog.push(jump(BPF_JEQ_K, libc::SYS_clone3 as u32, 0, 1));
    prog.push(stmt(BPF_RET_K, errno(libc::ENOSYS)));

    // clone: refuse namespace flags. On x86_64 and aarch64 the flags are the first argument.
    prog.extend([
        jump(BPF_JEQ_K, libc::SYS_clone as u32, 0, 4),
        stmt(BPF_LD_W_ABS, offset_arg_low(0)),
        jump(BPF_JSET_K, NAMESPACE_FLAGS, 0, 1),
        stmt(BPF_RET_K, errno(libc::EPERM)),
        stmt(BPF_RET_K, RET_ALLOW),
    ]);
    push_argument_block(
        &mut prog,
        libc::SYS_socket,
        0,
        &DENIED_SOCKET_FAMILIES.map(|f| f as u32),
        errno(libc::EAFNOSUPPORT),
    );
    push_argument_block(
        &mut prog,
        libc::SYS_socketpair,
        0,
        &[libc::AF_VSOCK as u32],
        errno(libc::EAFNOSUPPORT),
    );
    push_argument_block(
        &mut prog,
        libc::SYS_ioctl,
        1,
        &DENIED_IOCTLS,
        errno(libc::EPERM),
    );
    prog.push(stmt(BPF_RET_K, RET_ALLOW));
    prog
}

/// `if nr == syscall { if arg[index] in values { return refusal } return allow }`
fn push_argument_block(
    prog: &mut Vec<sock_filter>,
    syscall: libc::c_long,
    index: u32,
    values: &[u32],
    refusal: u32,
) {
    let body_len = values.len() as u8 * 2 + 2;
    prog.push(jump(BPF_JEQ_K, syscall as u32, 0, body_len));
    prog.push(stmt(BPF_LD_W_ABS, offset_arg_low(index)));
    for &value in values {
        prog.push(jump(BPF_JEQ_K, value, 0, 1));
        prog.push(stmt(BPF_RET_K, refusal));
    }
    prog.push(stmt(BPF_RET_K, RET_ALLOW));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal classic-BPF interpreter for the instructions `compile` emits, so that the
    /// filter's logic is checked without a kernel.
    fn evaluate(prog: &[sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
        let load = |offset: u32| -> u32 {
            match offset {
                OFFSET_NR => nr,
                OFFSET_ARCH => arch,
                o if (16..64).contains(&o) => {
                    let arg = args[((o - 16) / 8) as usize];
                    if (o - 16) % 8 == 0 {
                        arg as u32
                    } else {
                        (arg >> 32) as u32
                    }
                }
                o => panic!("unexpected load offset {o}"),
            }
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let insn = prog[pc];
            let branch = |taken: bool| pc + 1 + usize::from(if taken { insn.jt } else { insn.jf });
            pc = match insn.code {
                BPF_LD_W_ABS => {
                    acc = load(insn.k);
                    pc + 1
                }
                BPF_JEQ_K => branch(acc == insn.k),
                BPF_JGE_K => branch(acc >= insn.k),
                BPF_JSET_K => branch(acc & insn.k != 0),
                BPF_RET_K => return insn.k,
                code => panic!("unexpected opcode {code:#x}"),
            };
        }
    }

    fn check(nr: libc::c_long, args: [u64; 6], expect: u32) {
        let prog = compile();
        assert_eq!(
            evaluate(&prog, AUDIT_ARCH, nr as u32, args),
            expect,
            "syscall {nr}"
        );
    }

    #[test]
    fn ordinary_syscalls_are_allowed() {
        check(libc::SYS_read, [0; 6], RET_ALLOW);
        check(libc::SYS_write, [1, 0, 0, 0, 0, 0], RET_ALLOW);
        check(
            libc::SYS_clone,
            [libc::SIGCHLD as u64, 0, 0, 0, 0, 0],
            RET_ALLOW,
        );
        check(
            libc::SYS_socket,
            [libc::AF_INET as u64, 1, 0, 0, 0, 0],
            RET_ALLOW,
        );
        check(
            libc::SYS_socket,
            [libc::AF_UNIX as u64, 1, 0, 0, 0, 0],
            RET_ALLOW,
        );
        check(libc::SYS_ioctl, [1, libc::TCGETS, 0, 0, 0, 0], RET_ALLOW);
    }

    #[test]
    fn dangerous_syscalls_answer_eperm() {
        for nr in [
            libc::SYS_ptrace,
            libc::SYS_mount,
            libc::SYS_unshare,
            libc::SYS_bpf,
            libc::SYS_keyctl,
        ] {
            check(nr, [0; 6], errno(libc::EPERM));
        }
    }

    #[test]
    fn clone_with_a_namespace_flag_is_refused_but_threads_are_not() {
        let thread_flags = (libc::CLONE_VM | libc::CLONE_THREAD | libc::CLONE_SIGHAND) as u64;
        check(libc::SYS_clone, [thread_flags, 0, 0, 0, 0, 0], RET_ALLOW);
        check(
            libc::SYS_clone,
            [libc::CLONE_NEWUSER as u64, 0, 0, 0, 0, 0],
            errno(libc::EPERM),
        );
        check(
            libc::SYS_clone,
            [libc::CLONE_NEWNET as u64 | 17, 0, 0, 0, 0, 0],
            errno(libc::EPERM),
        );
        check(libc::SYS_clone3, [0; 6], errno(libc::ENOSYS));
    }

    #[test]
    fn vsock_and_packet_sockets_are_refused() {
        check(
            libc::SYS_socket,
            [libc::AF_VSOCK as u64, 1, 0, 0, 0, 0],
            errno(libc::EAFNOSUPPORT),
        );
        check(
            libc::SYS_socket,
            [libc::AF_PACKET as u64, 3, 0, 0, 0, 0],
            errno(libc::EAFNOSUPPORT),
        );
        check(
            libc::SYS_socketpair,
            [libc::AF_VSOCK as u64, 1, 0, 0, 0, 0],
            errno(libc::EAFNOSUPPORT),
        );
    }

    #[test]
    fn terminal_injection_ioctl_is_refused() {
        check(
            libc::SYS_ioctl,
            [0, libc::TIOCSTI, 0, 0, 0, 0],
            errno(libc::EPERM),
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_syscalls_and_foreign_architectures_are_refused() {
        let prog = compile();
        let x32_read = X32_SYSCALL_BIT;
        assert_eq!(
            evaluate(&prog, AUDIT_ARCH, x32_read, [0; 6]),
            errno(libc::ENOSYS)
        );
        let i386 = 0x4000_0003;
        assert_eq!(evaluate(&prog, i386, 0, [0; 6]), RET_KILL_PROCESS);
    }

    #[test]
    fn every_jump_stays_inside_the_program() {
        let prog = compile();
        assert!(
            prog.len() < 4096,
            "BPF programs are limited to 4096 instructions"
        );
        for (pc, insn) in prog.iter().enumerate() {
            if insn.code & 0x07 == 0x05 {
                let far = pc + 1 + usize::from(insn.jt.max(insn.jf));
                assert!(far < prog.len(), "jump at {pc} leaves the program");
            }
        }
    }
}
