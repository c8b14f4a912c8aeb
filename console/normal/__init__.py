"""What normal looks like (同期): each series' typical day, learned from recorded history, and how far a
reading departs from it. Qt-free; profiles are built off the GUI thread (a worker, or `cityops
build-usual`) and read by the board, the wall and the console's discovery rules."""
