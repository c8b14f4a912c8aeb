"""The console's own alarms: ISA-18.2 states, discovery rules and silences, flood mode, EEMUA 191
figures, emergency mode, and the alarm desk that makes the decisions the window only shows. Qt-free."""
