"""Run two writes at once, many times, and count the trials whose outcome is impossible."""

import threading

from django.db import connection

TRIALS = 20


def run_pair(first, second):
    """Start both callables together (a barrier) in their own threads and database
    connections; return their results in order (an exception is returned, not raised)."""
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test judges
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def count_anomalies(name: str, one_trial, trials: int = TRIALS) -> int:
    """Run `one_trial(trial)` (truthy when that trial's outcome is impossible) `trials`
    times; print the RACE line and return the count."""
    anomalies = sum(bool(one_trial(trial)) for trial in range(trials))
    print(f"RACE {name}: {anomalies} anomalies in {trials} trials")  # pytest -s | grep RACE
    return anomalies
