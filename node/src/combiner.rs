//! Combining concurrent submissions into one batch (flat combining).
//!
//! Transactions reach a validator's mempool from several places at once: API requests
//! (each with one or a few transactions) and block building (peers' gossip, see
//! [`crate::gossip_pool`]). Their signatures verify far faster in one large batch than in
//! many small ones (ed25519 batches of 1,024 run about 2.3 times as fast per signature as
//! batches of 16: `cargo bench -p kuai-types --bench signatures`), so every caller hands
//! its items to a [`Combiner`]: whichever caller finds no batch in progress becomes the
//! combiner, takes everything queued (its own items and other callers'), processes it as
//! one batch and hands each caller its results; the others wait for theirs. Nothing waits
//! for a timer: a batch is as large as what arrived while the previous one was processed.
//!
//! Rules:
//! - each caller gets exactly one result per item, in its items' order;
//! - callers' items are processed in the order the callers queued them (a batch is a
//!   prefix of the queue), at most `max_batch` items per batch unless one caller's items
//!   alone are more;
//! - if processing panics (or returns other than one result per item), every caller
//!   whose items were in that batch panics too (nobody waits for ever); the others'
//!   items and later batches run normally.
//!
//! Callers block: call from blocking contexts (`spawn_blocking`, plain threads).

use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};

struct State<T, R> {
    queue: Vec<(u64, Vec<T>)>,
    /// Results by caller; `None` when the batch with that caller's items panicked.
    done: HashMap<u64, Option<Vec<R>>>,
    busy: bool,
    next_id: u64,
}

pub struct Combiner<T, R> {
    state: Mutex<State<T, R>>,
    cv: Condvar,
    max_batch: usize,
}

impl<T, R> Combiner<T, R> {
    pub fn new(max_batch: usize) -> Self {
        Combiner {
            state: Mutex::new(State {
                queue: Vec::new(),
                done: HashMap::new(),
                busy: false,
                next_id: 0,
            }),
            cv: Condvar::new(),
            max_batch: max_batch.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, R>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `items`, and returns their results once a batch processed them. `process`
    /// must return one result per item, in order.
    pub fn run(&self, items: Vec<T>, process: impl Fn(Vec<T>) -> Vec<R>) -> Vec<R> {
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.queue.push((id, items));
        loop {
            if let Some(result) = st.done.remove(&id) {
                return result.expect("the batch holding these items panicked");
            }
            if st.busy {
                st = self.cv.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Become the combiner: take a prefix of the queue.
            st.busy = true;
            let mut total = 0;
            let take = st
                .queue
                .iter()
                .take_while(|(_, items)| {
                    let fits = total == 0 || total + items.len() <= self.max_batch;
                    total += items.len();
                    fits
                })
                .count()
                .max(1);
            let jobs: Vec<(u64, Vec<T>)> = st.queue.drain(..take).collect();
            drop(st);
            let lens: Vec<(u64, usize)> = jobs.iter().map(|(id, i)| (*id, i.len())).collect();
            let all: Vec<T> = jobs.into_iter().flat_map(|(_, items)| items).collect();
            let expected: usize = lens.iter().map(|(_, n)| n).sum();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let results = process(all);
                assert_eq!(results.len(), expected, "one result per item");
                results
            }));
            st = self.lock();
            st.busy = false;
            let panic = match outcome {
                Ok(results) => {
                    let mut results = results.into_iter();
                    for (job, len) in &lens {
                        let mine: Vec<R> = results.by_ref().take(*len).collect();
                        st.done.insert(*job, Some(mine));
                    }
                    None
                }
                Err(p) => {
                    for (job, _) in &lens {
                        st.done.insert(*job, None);
                    }
                    // Only a caller whose items were in the failed batch fails.
                    lens.iter().any(|(job, _)| *job == id).then_some(p)
                }
            };
            self.cv.notify_all();
            if let Some(p) = panic {
                st.done.remove(&id);
                drop(st);
                resume_unwind(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn every_caller_gets_its_own_results_and_batches_combine() {
        let combiner = Arc::new(Combiner::<u32, u32>::new(1000));
        let batches = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8u32)
            .map(|t| {
                let (c, b, bar) = (combiner.clone(), batches.clone(), barrier.clone());
                std::thread::spawn(move || {
                    bar.wait();
                    let mut out = Vec::new();
                    for round in 0..50u32 {
                        let items: Vec<u32> = (0..3).map(|i| t * 10_000 + round * 10 + i).collect();
                        let res = c.run(items.clone(), |all| {
                            b.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            all.iter().map(|x| x * 2).collect()
                        });
                        assert_eq!(res, items.iter().map(|x| x * 2).collect::<Vec<_>>());
                        out.push(res.len());
                    }
                    out.iter().sum::<usize>()
                })
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 8 * 50 * 3);
        // 400 submissions, and fewer batches: concurrent callers were combined.
        let n = batches.load(Ordering::Relaxed);
        assert!(n < 400, "{n} batches for 400 submissions");
    }

    #[test]
    fn a_batch_is_capped_but_one_large_submission_still_runs() {
        let combiner = Combiner::<u32, u32>::new(4);
        let res = combiner.run((0..10).collect(), |all| {
            assert_eq!(all.len(), 10);
            all
        });
        assert_eq!(res, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn only_the_callers_in_a_failed_batch_fail() {
        // Every closure panics on the items [1]. With a cap of one item, [1] and [2] are
        // processed in separate batches by whichever caller combines: the caller of [1]
        // fails, the caller of [2] gets its result even if it combined the failed batch.
        fn process(all: Vec<u32>) -> Vec<u32> {
            if all == vec![1] {
                panic!("boom");
            }
            all
        }
        let combiner = Arc::new(Combiner::<u32, u32>::new(1));
        let gate = Arc::new(Barrier::new(2));
        let (c, g) = (combiner.clone(), gate.clone());
        // Holds the combiner busy until [1] and [2] are both queued.
        let holder = std::thread::spawn(move || {
            c.run(vec![0], |all| {
                g.wait();
                g.wait();
                all
            })
        });
        gate.wait();
        let c = combiner.clone();
        let one = std::thread::spawn(move || {
            catch_unwind(AssertUnwindSafe(|| c.run(vec![1], process))).is_err()
        });
        std::thread::sleep(std::time::Duration::from_millis(30));
        let c = combiner.clone();
        let two = std::thread::spawn(move || c.run(vec![2], process));
        std::thread::sleep(std::time::Duration::from_millis(30));
        gate.wait();
        assert_eq!(holder.join().unwrap(), vec![0]);
        assert!(
            one.join().unwrap(),
            "the caller of the failed batch's items fails"
        );
        assert_eq!(two.join().unwrap(), vec![2]);
    }

    #[test]
    fn a_panicking_batch_fails_its_callers_and_the_next_batch_runs() {
        let combiner = Combiner::<u32, u32>::new(100);
        let failed = catch_unwind(AssertUnwindSafe(|| {
            combiner.run(vec![1], |_| panic!("boom"));
        }));
        assert!(failed.is_err());
        assert_eq!(combiner.run(vec![5, 6], |all| all), vec![5, 6]);
    }
}
