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
/// and value expressions are not evaluated. The other operands are evaluated
/// once, in source order, before the select looks at any channel (the
/// guard, then the channel, then the value, case by case; `duration` last).
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
/// nothing. A send case that is not chosen has sent nothing, rendezvous
/// channels included; its value is dropped when the `select!` ends (the
/// dynamic [`Select`] hands it back instead). A case on a closed channel is
/// ready and yields its `Err` (a send case's value comes back in it). The
/// same channel may appear in several cases; a select never pairs its own
/// send with its own receive.
///
/// While it waits, each case is registered on its channel, and a counterpart
/// completes a registered case as it would a plain `send` or `recv`. That
/// settles which case happened before the select runs again:
///
/// * a waiting send case that a receiver completed is sent from that moment;
///   its body runs when the select next runs;
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
/// * a send case that a counterpart completed *has sent* its value, although
///   its body never runs (as with a dropped `send`, see
///   [`SendFuture`](crate::SendFuture)); every other send case sent nothing,
///   and its value is dropped with the select. To keep the values of a select
///   that may lose, use the dynamic [`Select`], whose send cases keep them.
///
/// # Panics
///
/// Without `default`, if every case is disabled by its guard. With
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
        $crate::__select_parse!(@case true [] ($crate::__private::Nil) [] $($cases)*)
    };
    (biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: write `biased;`, with a semicolon, before the first case")
    };
    ($($cases:tt)*) => {
        $crate::__select_parse!(@case false [] ($crate::__private::Nil) [] $($cases)*)
    };
}

/// Parses the cases of `select!` one per step (one recursion level per case),
/// then expands them all at once.
///
/// Each step adds `(__case make (binding) body)` to the case list, where
/// `__case` is a new identifier by hygiene (every step is its own expansion),
/// `(&mut __case, list)` to the case set, and a `0usize,` to the room for the
/// order of the first pass.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // recv(rx) -> binding [, if guard] => body
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,])
    };
    // send(tx, value) -> binding [, if guard] => body
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,])
    };
    // default, default(duration): last
    (@case $b:tt $c:tt $h:tt $z:tt default => $body:block $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [now $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default => $body:expr $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [now $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:block $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [until ($d) $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:expr $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [until ($d) $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block $(,)? default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    // the end
    (@case $b:tt [] $h:tt []) => {
        ::core::compile_error!("gochan::select!: no case: write at least one `recv`, `send` or `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt) => {
        $crate::__select_parse!(@expand $b $c $h $z [])
    };
    // mistakes, each named
    (@case $b:tt $c:tt $h:tt $z:tt biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `biased;` must come first, before every case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `recv", ::core::stringify!($args),
            "` needs a name for its result: `recv(rx) -> msg => ...`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt send $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `send", ::core::stringify!($args),
            "` needs a name for its result: `send(tx, value) -> res => ...`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv($rx:expr, $($extra:tt)*) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `recv(rx)` takes one receiver (a send case is `send(tx, value)`)")
    };
    (@case $b:tt $c:tt $h:tt $z:tt send($tx:expr) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `send(tx, value)` takes a sender and the value to send")
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv $args:tt -> $($rest:tt)*) => {
        $crate::__select_parse!(@binding recv [] $($rest)*)
    };
    (@case $b:tt $c:tt $h:tt $z:tt send $args:tt -> $($rest:tt)*) => {
        $crate::__select_parse!(@binding send [] $($rest)*)
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `default => body` or `default(duration) => body`, found: `default ",
            ::core::stringify!($($rest)*), "`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `recv(rx) -> name => body`, `send(tx, value) -> name => body`, ",
            "`default => body` or `default(duration) => body`, found: `",
            ::core::stringify!($($rest)+), "`"
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
        $crate::__select_parse!(@binding $kind [$($p)* $t] $($rest)*)
    };
    (@binding $kind:ident [$($p:tt)*]) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `", ::core::stringify!($kind), "(..) -> ", ::core::stringify!($($p)*),
            "`: expected `=> body` after the name"
        ))
    };
    // No default: wait until a case happens.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] []) => {{
        $( let mut $name = $make; )*
        let _ = $crate::__private::SelectFuture::new($h, &mut [$($z)*], $b).await;
        $(
            if let ::core::option::Option::Some(__result) = $name.take_result() {
                let $($bind)* = __result;
                $body
            } else
        )*
        { $crate::__private::unreachable_case() }
    }};
    // default: never wait.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] [now $dbody:tt]) => {{
        $( let mut $name = $make; )*
        match $crate::__private::try_select($h, &mut [$($z)*], $b) {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__result) = $name.take_result() {
                        let $($bind)* = __result;
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
    // default(duration): wait at most that long.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] [until ($d:expr) $dbody:tt]) => {{
        $( let mut $name = $make; )*
        let mut __timer = ::core::pin::pin!(::core::option::Option::None);
        match $crate::__private::SelectFuture::with_timeout($h, &mut [$($z)*], $b, $d, __timer.as_mut()).await {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__result) = $name.take_result() {
                        let $($bind)* = __result;
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
}
