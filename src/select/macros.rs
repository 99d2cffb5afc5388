//! `gochan::select!`: the macro, parsed one case per step and expanded once.

// ---------------------------------------------------------------------------
// gochan::select!
// ---------------------------------------------------------------------------

/// Waits on several channel operations, sends and receives mixed, and runs the
/// branch of exactly one, as Go's `select`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx_a, rx_a) = gochan::bounded::<&str>(1);
/// let (tx_b, rx_b) = gochan::bounded::<u32>(1);
/// tx_a.send("hello").await.unwrap();
/// tx_b.send(0).await.unwrap(); // full: the send case below cannot happen
///
/// let got = gochan::select! {
///     recv(rx_a) -> msg => format!("a: {}", msg.unwrap()),
///     send(tx_b, 7) -> res => format!("sent: {res:?}"),
/// };
/// assert_eq!(got, "a: hello");
/// assert_eq!(rx_b.try_recv(), Ok(0)); // 7 was not sent
/// # drop(rx_b);
/// # }
/// ```
///
/// # Cases
///
/// * `recv(rx) -> msg => body`: `msg` is `Result<T, RecvError>`;
/// * `send(tx, value) -> res => body`: `res` is `Result<(), SendError<T>>`;
/// * `default => body`, last: runs if no case is ready now (the select never
///   waits);
/// * `default(duration) => body`, last: runs if no case happened within
///   `duration` (tokio's clock).
///
/// The result is bound to a name, `mut name` or `_`. A pattern such as
/// `Ok(v)` is refused at compile time: a received value that did not match
/// it could not be given back, so bind a name and `match` in the body.
///
/// A case may carry a guard, as in `tokio::select!`: `recv(rx) -> msg, if
/// cond => body`, `send(tx, value) -> res, if cond => body`. A case whose
/// guard is false takes no part, as a Go case on a nil channel: its channel
/// expression is not evaluated. Guards and channel expressions are evaluated
/// once, in source order, before the select looks at any channel (the
/// guard, then the channel, case by case; `duration` last).
///
/// A send case's value expression is evaluated only when that case is
/// chosen, after the select is done and just before its body (crossbeam's
/// rule: Go evaluates every send value on entry; gochan only the chosen
/// one's). So a case that loses has evaluated nothing, and the expression
/// may use what the bodies use: `send(out, queue.pop_front().unwrap()) -> r,
/// if !queue.is_empty() => ..` beside `recv(input) -> v =>
/// queue.push_back(v?)` moves every value and loses none.
/// If every case is disabled and there is no `default`, the select panics
/// rather than wait forever (Go would block forever); with `default` the
/// default runs, with `default(duration)` after that long.
///
/// `biased;` before the first case attempts the cases in order, so that of
/// several ready cases the first one listed happens (`tokio::select!`'s
/// `biased;`); without it one is picked at random, so none starves.
///
/// Bodies are expressions (a block needs no trailing comma); `break`,
/// `continue`, `return`, `?` and `.await` in them act on the surrounding
/// code, and they may move or drop the select's channel handles.
///
/// There is no limit on the number of cases but the compiler's macro
/// recursion limit: one level per case, so about 120 cases with the default
/// `#![recursion_limit = "128"]`.
///
/// # Async or not
///
/// Without `default`, and with `default(duration)`, `select!` is an async
/// expression: it awaits, so it belongs in async code. With `default` it
/// never waits and is a plain expression, usable in synchronous code too
/// (as crossbeam-channel's `select!` with `default`): it neither awaits nor
/// yields to the scheduler.
///
/// # What happens to the values
///
/// Exactly one case happens. A receive case that is not chosen has taken
/// nothing. A send case that is not chosen has sent nothing and built
/// nothing, rendezvous channels included: its value expression never ran. A
/// case on a closed channel is ready and yields its `Err` (a send case's
/// value, evaluated then, comes back in it). The same channel may appear in
/// several cases; a select never pairs its own send with its own receive.
///
/// While it waits, each case is registered on its channel, and a counterpart
/// completes a registered case under the channel's lock, which settles which
/// case happened before the select runs again:
///
/// * a send case waits as a reservation: a receive that frees room grants it
///   the slot (on a rendezvous channel, a receiver that starts waiting grants
///   it a hand-off); its value is built and sent when the select next runs,
///   into that slot, which never waits;
/// * a waiting receive case that a sender completed holds the value; the body
///   gets it when the select next runs.
///
/// # Cancel safety
///
/// A `select!` inside a `tokio::select!` branch (or any future that is
/// dropped before it completes) leaves no registration behind when it is
/// dropped, and:
///
/// * a receive case that was handed a value passes it on to the next waiting
///   receiver, or back to the front of the channel: it is never lost;
/// * a send case sent nothing and built nothing: a slot granted to it goes
///   to the next in line (a rendezvous receiver granted to it keeps its
///   place). Unlike a dropped `send`, a dropped `select!` never has sent.
///
/// A send case's value expression that panics gives its slot back the same
/// way.
///
/// # Panics
///
/// Without `default`, if every case is disabled by its guard: it would wait
/// for ever. With
/// `default(duration)`, outside a Tokio runtime with the time driver
/// enabled.
///
/// # Examples
///
/// A loop over three channels that switches each one off once it is closed
/// and drained, so that the loop never spins on a closed channel:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx_a, rx_a) = gochan::unbounded();
/// let (tx_b, rx_b) = gochan::unbounded();
/// let (tx_c, rx_c) = gochan::unbounded();
/// for (tx, v) in [(&tx_a, 1), (&tx_b, 2), (&tx_c, 3)] {
///     tx.send(v).await.unwrap();
///     tx.close();
/// }
/// let (mut a, mut b, mut c) = (true, true, true); // still open
/// let (mut sum, mut rounds) = (0, 0);
/// while a || b || c {
///     rounds += 1;
///     gochan::select! {
///         recv(rx_a) -> v, if a => match v { Ok(v) => sum += v, Err(_) => a = false },
///         recv(rx_b) -> v, if b => match v { Ok(v) => sum += v, Err(_) => b = false },
///         recv(rx_c) -> v, if c => match v { Ok(v) => sum += v, Err(_) => c = false },
///     }
/// }
/// assert_eq!((sum, rounds), (6, 6)); // 3 values, 3 closes
/// # }
/// ```
///
/// `default` in synchronous code:
///
/// ```
/// fn poll_once(rx: &gochan::Receiver<u32>) -> Option<u32> {
///     gochan::select! {
///         recv(rx) -> v => v.ok(),
///         default => None,
///     }
/// }
///
/// let (tx, rx) = gochan::bounded(1);
/// assert_eq!(poll_once(&rx), None);
/// tx.try_send(4).unwrap();
/// assert_eq!(poll_once(&rx), Some(4));
/// ```
///
/// These do not compile:
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// // A refutable pattern: the value would be lost if it did not match.
/// gochan::select! {
///     recv(rx) -> Ok(v) => v,
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     recv(rx) => 0, // no `-> name`
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     default => 0,
///     recv(rx) -> v => 1, // `default` must come last
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     recv(rx) -> v => 1,
///     default => 0,
///     default => 2, // at most one `default`
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// gochan::select! {}; // no case
/// # }
/// ```
///
/// ```compile_fail
/// // Without `default` the select awaits: not in a synchronous function.
/// fn f(rx: &gochan::Receiver<u32>) -> u32 {
///     gochan::select! {
///         recv(rx) -> v => v.unwrap(),
///     }
/// }
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($cases:tt)*) => {
        $crate::__select!(@parse true [] ($crate::__private::Nil) [] $($cases)*)
    };
    (biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: write `biased;`, with a semicolon, before the first case")
    };
    ($($cases:tt)*) => {
        $crate::__select!(@parse false [] ($crate::__private::Nil) [] $($cases)*)
    };
}

/// The machinery of `select!`, in two stages.
///
/// * `@parse` reads the surface form one case per step (one recursion level
///   per case) and rewrites each to one canonical shape, `(local kind
///   (operand) (value) (binding) (guard) {body})` (a receive has no value),
///   whatever its form: block or expression body, comma or none, guard or
///   none. The local is a new identifier by hygiene (every step is its own
///   expansion); the step also adds it to the case list (`(&mut local,
///   list)`) and a slot to the order array. A `default` ends the parse.
///   Every mistake gets a message that names it.
/// * `@run` makes the case locals (`@make`, one place for every form), runs
///   the select, and dispatches to the chosen case's body. A send case's
///   value expression is evaluated there (`@finish`), only for the chosen
///   case.
#[doc(hidden)]
#[macro_export]
macro_rules! __select {
    // recv(rx) -> binding [, if guard] => body
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case recv ($rx) () ($p0 $($p1)?) ($($g)?) $body)] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case recv ($rx) () ($p0 $($p1)?) ($($g)?) $body)] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case recv ($rx) () ($p0 $($p1)?) ($($g)?) { $body })] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select!(@parse $b [$($c)* (__case recv ($rx) () ($p0 $($p1)?) ($($g)?) { $body })] (&mut __case, $h) [$($z)* 0usize,])
    };
    // send(tx, value) -> binding [, if guard] => body
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case send ($tx) ($v) ($p0 $($p1)?) ($($g)?) $body)] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case send ($tx) ($v) ($p0 $($p1)?) ($($g)?) $body)] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@parse $b [$($c)* (__case send ($tx) ($v) ($p0 $($p1)?) ($($g)?) { $body })] (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $h:tt [$($z:tt)*] send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select!(@parse $b [$($c)* (__case send ($tx) ($v) ($p0 $($p1)?) ($($g)?) { $body })] (&mut __case, $h) [$($z)* 0usize,])
    };
    // default, default(duration): last, once
    (@parse $b:tt $c:tt $h:tt $z:tt default => $body:block $(,)?) => {
        $crate::__select!(@run $b [now $body] $c $h $z)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default => $body:expr $(,)?) => {
        $crate::__select!(@run $b [now { $body }] $c $h $z)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:block $(,)?) => {
        $crate::__select!(@run $b [until ($d) $body] $c $h $z)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:expr $(,)?) => {
        $crate::__select!(@run $b [until ($d) { $body }] $c $h $z)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block, default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    // the end
    (@parse $b:tt [] $h:tt []) => {
        ::core::compile_error!("gochan::select!: no case: write at least one `recv`, `send` or `default` case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt) => {
        $crate::__select!(@run $b [] $c $h $z)
    };
    // mistakes, each named
    (@parse $b:tt $c:tt $h:tt $z:tt biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `biased;` must come first, before every case")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt recv $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `recv", ::core::stringify!($args),
            "` needs a name for its result: `recv(rx) -> msg => ...`"
        ))
    };
    (@parse $b:tt $c:tt $h:tt $z:tt send $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `send", ::core::stringify!($args),
            "` needs a name for its result: `send(tx, value) -> res => ...`"
        ))
    };
    (@parse $b:tt $c:tt $h:tt $z:tt recv($rx:expr, $($extra:tt)*) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `recv(rx)` takes one receiver (a send case is `send(tx, value)`)")
    };
    (@parse $b:tt $c:tt $h:tt $z:tt send($tx:expr) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `send(tx, value)` takes a sender and the value to send")
    };
    // The binding and guard are right, yet no form above matched: the body
    // runs into the next case.
    (@parse $b:tt $c:tt $h:tt $z:tt recv $args:tt -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $($rest:tt)*) => {
        $crate::__select!(@missing_comma recv $args)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt send $args:tt -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $($rest:tt)*) => {
        $crate::__select!(@missing_comma send $args)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt recv $args:tt -> $($rest:tt)*) => {
        $crate::__select!(@binding recv [] $($rest)*)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt send $args:tt -> $($rest:tt)*) => {
        $crate::__select!(@binding send [] $($rest)*)
    };
    (@parse $b:tt $c:tt $h:tt $z:tt default $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `default => body` or `default(duration) => body`, found: `default ",
            ::core::stringify!($($rest)*), "`"
        ))
    };
    (@parse $b:tt $c:tt $h:tt $z:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `recv(rx) -> name => body`, `send(tx, value) -> name => body`, ",
            "`default => body` or `default(duration) => body`, found: `",
            ::core::stringify!($($rest)+), "`"
        ))
    };
    (@missing_comma $kind:ident $args:tt) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: missing `,` after the body of `", ::core::stringify!($kind),
            ::core::stringify!($args), " -> ..`: write a comma between cases (a block body needs none)"
        ))
    };
    // What came after `->` was not `name [, if guard] =>`: collect it to say so.
    (@binding $kind:ident [$($p:tt)*] => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `", ::core::stringify!($kind), "(..) -> ", ::core::stringify!($($p)*),
            " =>`: after `->` comes a name for the result (`msg`, `mut msg` or `_`) and an optional ",
            "guard `, if condition`; a pattern such as `Ok(v)` is refused, because a value that did ",
            "not match it could not be given back: bind a name and `match` on it in the body"
        ))
    };
    (@binding $kind:ident [$($p:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__select!(@binding $kind [$($p)* $t] $($rest)*)
    };
    (@binding $kind:ident [$($p:tt)*]) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `", ::core::stringify!($kind), "(..) -> ", ::core::stringify!($($p)*),
            "`: expected `=> body` after the name"
        ))
    };

    // One case's local: made in one place for every form.
    (@make recv ($rx:expr) ()) => {
        $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() })
    };
    (@make send ($tx:expr) ()) => {
        $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() })
    };
    (@make recv $op:tt ($g:expr)) => {
        if !($g) { $crate::__private::RecvOp::disabled() } else { $crate::__select!(@make recv $op ()) }
    };
    (@make send $op:tt ($g:expr)) => {
        if !($g) { $crate::__private::SendOp::disabled() } else { $crate::__select!(@make send $op ()) }
    };

    // The chosen case's result: a receive's as it is; a send's value
    // expression is evaluated here, only for the chosen case.
    (@finish recv $won:ident ()) => { $won };
    (@finish send $won:ident ($v:expr)) => { $won.send($v) };

    // No default: wait until a case happens.
    (@run $b:tt [] [$(($name:ident $kind:ident $op:tt $v:tt ($($bind:tt)*) $g:tt $body:tt))*] $h:tt [$($z:tt)*]) => {{
        $( let mut $name = $crate::__select!(@make $kind $op $g); )*
        let _ = $crate::__private::SelectFuture::new($h, &mut [$($z)*], $b).await;
        $(
            if let ::core::option::Option::Some(__won) = $name.take_outcome() {
                let $($bind)* = $crate::__select!(@finish $kind __won $v);
                $body
            } else
        )*
        { $crate::__private::unreachable_case() }
    }};
    // default: never wait.
    (@run $b:tt [now $dbody:tt] [$(($name:ident $kind:ident $op:tt $v:tt ($($bind:tt)*) $g:tt $body:tt))*] $h:tt [$($z:tt)*]) => {{
        $( let mut $name = $crate::__select!(@make $kind $op $g); )*
        match $crate::__private::try_select($h, &mut [$($z)*], $b) {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__won) = $name.take_outcome() {
                        let $($bind)* = $crate::__select!(@finish $kind __won $v);
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
    // default(duration): wait at most that long.
    (@run $b:tt [until ($d:expr) $dbody:tt] [$(($name:ident $kind:ident $op:tt $v:tt ($($bind:tt)*) $g:tt $body:tt))*] $h:tt [$($z:tt)*]) => {{
        $( let mut $name = $crate::__select!(@make $kind $op $g); )*
        let mut __timer = ::core::pin::pin!(::core::option::Option::None);
        match $crate::__private::SelectFuture::with_timeout($h, &mut [$($z)*], $b, $d, __timer.as_mut()).await {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__won) = $name.take_outcome() {
                        let $($bind)* = $crate::__select!(@finish $kind __won $v);
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
}
